//! Tessera's integration tests: the real server on a free port, real SMTP over loopback, and the
//! `openidconnect` crate as the relying party.

mod support;

mod abuse;
mod account;
mod api;
mod api_admin;
mod auth0_sdk;
mod authorize;
mod bridge;
mod caching;
mod cli;
mod client_credentials;
mod code_flow;
mod demo;
mod discovery;
mod durability;
mod embedded;
mod embedded_passkeys;
mod faults;
mod hostile_input;
mod journeys;
mod key_rotation;
mod login_otp;
mod login_ui;
mod logout;
mod logs;
mod magic_links;
mod operations;
mod pages;
mod passkeys;
mod private_key_jwt;
mod refresh;
mod replicas;
mod revocation;
mod send_budgets;
mod sms;
mod token_errors;
mod userinfo;
mod verify;
