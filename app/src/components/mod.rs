pub mod avatar;
pub mod layout;
pub mod message;
pub mod person_list;
