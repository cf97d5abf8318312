//! Who is logged in, on every page that is not public: their name and role,
//! and the logout button.

mod session_bar;

pub use session_bar::{SessionBar, use_input_keepalive};
