pub mod avatar;
pub mod chart;
pub mod layout;
pub mod message;
pub mod person_list;
