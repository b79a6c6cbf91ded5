//! APIs and pages for applications that sign users in without redirects: passkey registration
//! by ticket.

pub mod passkey_tickets;
