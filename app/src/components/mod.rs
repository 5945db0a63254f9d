pub mod avatar;
pub mod layout;
pub mod person_list;
