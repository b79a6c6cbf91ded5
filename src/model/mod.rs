//! The records shared by every part: users, clients, sessions, and the small value types
//! (`Email`, `AuthMethod`, `SigningAlg`) that can only hold valid values.

mod apps;
mod client_options;
mod clients;
mod identifiers;
mod identities;
mod records;
mod users;

pub use apps::*;
pub use client_options::*;
pub use clients::*;
pub use identifiers::*;
pub use identities::*;
pub use records::*;
pub use users::*;
