pub mod about;
pub mod embed;
pub mod history;
pub mod home;
pub mod not_found;
pub mod profile;
pub mod search;
pub mod waitlist;
