//! `tessera links create`: a magic link minted from the command line, printed or sent.

use tessera::clock::Clock;
use tessera::config::Config;
use tessera::store::Directory;

use super::{admin_event, find_user, signing_keys};
use crate::{CliResult, LinksCommand};

pub(crate) async fn links(config: Config, cmd: LinksCommand) -> CliResult {
    let LinksCommand::Create { to, client, redirect_uri, kind, ttl, lang, send } = cmd;
    let kind: tessera::domain::links::LinkType = kind.parse()?;
    let directory = tessera::store::open_directory(&config.directory.url).await?;
    let now = Clock::System.now();
    let (user, identifier) = link_subject(&config, directory.as_ref(), &to, kind, now).await?;
    let client = match config.clients.iter().find(|c| c.id == client) {
        Some(c) => tessera::domain::clients::from_config(c),
        None => directory.client(&client).await?.ok_or_else(|| format!("no client {client}"))?,
    };
    let ring = signing_keys(&config, now)?;
    let request = tessera::domain::links::Request {
        user: &user,
        identifier: identifier.clone(),
        client: &client,
        redirect_uri: &redirect_uri,
        kind,
        lang: &lang,
        ttl,
    };
    let link = tessera::domain::links::mint(&ring, config.issuer(), config.base_url(), request, now)?;
    admin_event(directory.as_ref(), "magic_link_created", Some(&user.id.0), &user.id.0).await;
    if !send {
        println!("{link}");
        return Ok(());
    }
    send_link(&config, &identifier, &link, &client.name, kind, &lang, ttl).await?;
    println!("link sent to {}", identifier.masked());
    Ok(())
}

/// Sends a minted link by email or text message, in `lang`.
async fn send_link(
    config: &Config,
    identifier: &tessera::model::Identifier,
    link: &str,
    app_name: &str,
    kind: tessera::domain::links::LinkType,
    lang: &str,
    ttl: u64,
) -> CliResult {
    use tessera::model::Identifier;
    let verify = kind == tessera::domain::links::LinkType::VerifyIdentifier;
    let locales = tessera::i18n::Locales::load(&config.ui.default_locale)?;
    let t = locales.named(lang);
    match identifier {
        Identifier::Email(email) => {
            let mail = tessera::domain::notify::OtpEmail {
                t,
                code: None,
                link: Some(link),
                app_name,
                product_name: &config.login.product_name,
                expires: t.duration(ttl),
                verify,
            };
            tessera::domain::notify::Mailer::new(&config.email)?.send_code(email, &mail).await?;
        }
        Identifier::Phone(phone) => {
            let key = if verify { "sms.verify" } else { "sms.link" };
            let text = t.f(key, &[("app", app_name), ("link", link)]);
            tessera::domain::notify::SmsSender::new(&config.sms).send(phone, &text).await?;
        }
    }
    Ok(())
}

/// Whom a link is for: the owner of an email address or phone number (a login link signs a new
/// one up when sign-up is on), or a user named by id, at their address or number.
async fn link_subject(
    config: &Config,
    directory: &dyn Directory,
    to: &str,
    kind: tessera::domain::links::LinkType,
    now: i64,
) -> Result<(tessera::model::User, tessera::model::Identifier), Box<dyn std::error::Error>> {
    use tessera::model::{Identifier, Phone};
    let identifier = if let Ok(email) = to.parse::<tessera::model::Email>()
        && to.contains('@')
    {
        Some(Identifier::Email(email))
    } else if to.trim_start().starts_with('+') {
        Some(Identifier::Phone(Phone::parse(to, None)?))
    } else {
        None
    };
    Ok(match identifier {
        Some(id) => match directory.user_by_identifier(&id).await? {
            Some(user) => (user, id),
            None if kind == tessera::domain::links::LinkType::Login && config.login.signup => {
                (directory.create_user_with_identifier(&id, now).await?, id)
            }
            None => return Err(format!("no user with {}", id.masked()).into()),
        },
        None => {
            let user = find_user(directory, to).await?;
            let id = user.identifier().ok_or("this user has no email address or phone number")?;
            (user, id)
        }
    })
}
