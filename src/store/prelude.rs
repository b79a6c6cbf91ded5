//! The directory's aggregate traits, for `use crate::store::prelude::*` where a concrete backend
//! (not `dyn Directory`, whose supertraits are always in scope) calls directory methods. Imported
//! as `_`, so a glob import adds no names that could clash with a module's own.

pub use crate::store::directory::{
    ApiKeys as _, Apis as _, AuditLog as _, Bridges as _, Clients as _, Consents as _, Directory as _, Passkeys as _,
    RefreshTokens as _, Sessions as _, Upstreams as _, Users as _,
};
