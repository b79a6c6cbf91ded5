//! Subject identifiers (OIDC Core §8): the user's id for public clients, and for pairwise
//! clients (§8.1) a value per sector that no two sectors can link; access tokens of pairwise
//! clients carry the user's id sealed, for Tessera alone.

use crate::crypto;
use crate::model::{Client, SubjectType, UserId};

const SEALED_USER: &str = "access token user";

/// The sector of a pairwise client (OIDC Core §8.1): the host of its `sector_identifier_uri`,
/// else of its redirect URIs (configuration makes sure they share one).
pub fn sector(client: &Client) -> String {
    let host = |uri: &str| url::Url::parse(uri).ok().and_then(|u| u.host_str().map(str::to_owned));
    client
        .options
        .sector_identifier_uri
        .as_deref()
        .or(client.redirect_uris.first().map(String::as_str))
        .and_then(host)
        .unwrap_or_else(|| client.id.clone())
}

/// The `sub` that `client` knows `user` by.
pub fn of(secret: &[u8], client: &Client, user: &UserId) -> String {
    match client.options.subject_type {
        SubjectType::Public => user.0.clone(),
        SubjectType::Pairwise => {
            let sector = sector(client);
            crypto::b64url(&crypto::keyed_hash(secret, &[b"pairwise subject", sector.as_bytes(), user.0.as_bytes()]))
        }
    }
}

/// The user id an access token of a pairwise client carries, sealed.
pub fn seal_user(secret: &[u8], user: &UserId) -> String {
    crypto::seal(secret, SEALED_USER, user.0.as_bytes())
}

pub fn unseal_user(secret: &[u8], sealed: &str) -> Option<UserId> {
    let bytes = crypto::unseal(secret, SEALED_USER, sealed)?;
    String::from_utf8(bytes).ok().map(UserId)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClientOptions;

    fn client(redirect: &str, subject_type: SubjectType, sector_uri: Option<&str>) -> Client {
        let options = ClientOptions {
            subject_type,
            sector_identifier_uri: sector_uri.map(str::to_owned),
            ..ClientOptions::default()
        };
        Client {
            redirect_uris: vec![redirect.into()],
            options,
            ..crate::domain::clients::demo("https://login.example")
        }
    }

    #[test]
    fn pairwise_subjects_differ_between_sectors_and_agree_within_one() {
        let user = UserId("u-1".into());
        let a = client("https://a.example/cb", SubjectType::Pairwise, None);
        let a2 = client("https://a.example/other", SubjectType::Pairwise, None);
        let b = client("https://b.example/cb", SubjectType::Pairwise, None);
        assert_eq!(of(b"s", &a, &user), of(b"s", &a2, &user), "one sector, one subject");
        assert_ne!(of(b"s", &a, &user), of(b"s", &b, &user));
        assert_ne!(of(b"s", &a, &user), "u-1");
        let b_in_a = client("https://b.example/cb", SubjectType::Pairwise, Some("https://a.example/sector.json"));
        assert_eq!(of(b"s", &b_in_a, &user), of(b"s", &a, &user), "sector_identifier_uri names the sector");
        assert_eq!(of(b"s", &client("https://a.example/cb", SubjectType::Public, None), &user), "u-1");
    }

    #[test]
    fn a_sealed_user_id_opens_only_with_the_secret() {
        let sealed = seal_user(b"secret", &UserId("u-1".into()));
        assert!(!sealed.contains("u-1"));
        assert_eq!(unseal_user(b"secret", &sealed), Some(UserId("u-1".into())));
        assert_eq!(unseal_user(b"other", &sealed), None);
    }
}
