//! The storage conformance rules: one small async function per rule, grouped by aggregate, and
//! one `#[tokio::test]` per rule and backend (`store::conformance::<backend>::<rule>`), each on a
//! fresh store, so the backends cannot drift apart and a failure names the rule and the backend.

mod api_keys;
mod apis;
mod audit_log;
mod backends;
mod bridges;
mod clients;
mod cluster;
mod consents;
mod embedded_apps;
mod ephemeral;
mod identities;
mod imports;
mod passkeys;
mod records;
mod refresh_tokens;
mod schemas;
mod sessions;
mod upstreams;
mod users;

use std::sync::Arc;

use crate::clock::Clock;
use crate::store::Ephemeral;

/// A fresh, empty store of one backend for one rule, and what tidies it away.
trait Backend: Sized {
    /// What a rule is given.
    type Store: Send + 'static;
    async fn open() -> Self;
    fn store(&self) -> Self::Store;
    /// Removes what `open` made outside the process.
    async fn remove(self) {}
}

/// Runs `rule` on a fresh store of `B`, then removes the store whether the rule held or not.
async fn run<B: Backend, F: Future<Output = ()> + Send + 'static>(rule: impl FnOnce(B::Store) -> F) {
    let backend = B::open().await;
    // A task of its own, so a failed assertion still leaves the store to be removed.
    let outcome = tokio::spawn(rule(backend.store())).await;
    backend.remove().await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// An ephemeral store under test, and how time passes for it.
pub struct Expiring {
    pub store: Arc<dyn Ephemeral>,
    /// The clock the store reads; `None` for a store on real time (Redis), where time has to pass.
    clock: Option<Clock>,
}

impl Expiring {
    async fn pass(&self, secs: u64) {
        match &self.clock {
            Some(clock) => clock.advance(secs as i64),
            None => tokio::time::sleep(std::time::Duration::from_millis(secs * 1000 + 100)).await,
        }
    }
}

impl std::ops::Deref for Expiring {
    type Target = dyn Ephemeral;

    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

/// A module named for the backend with one test per rule, named for the rule.
macro_rules! tests {
    ($backend:ident: $fixture:ty { $($aggregate:ident: [$($rule:ident),+ $(,)?],)+ }) => {
        mod $backend {
            $($(
                #[tokio::test]
                async fn $rule() {
                    crate::store::conformance::run::<$fixture, _>(crate::store::conformance::$aggregate::$rule).await;
                }
            )+)+
        }
    };
}

/// Every `Directory` rule, for one backend.
macro_rules! directory_tests {
    ($backend:ident: $fixture:ty) => {
        tests!($backend: $fixture {
            users: [
                creating_a_user_for_a_known_email_returns_its_owner,
                of_two_concurrent_insertions_of_one_identifier_exactly_one_succeeds,
                a_changed_identifier_is_unverified_and_frees_the_old_one,
                changing_an_identifier_to_its_own_value_keeps_the_user,
                a_change_to_another_users_identifier_is_refused_and_changes_nothing,
                a_phone_can_be_removed,
                changing_an_unknown_user_finds_nothing,
                the_listing_is_ordered_by_id_and_a_cursor_continues_after_the_last_id,
                the_listing_filters_by_creation_time_and_status,
                a_deactivated_user_reads_as_inactive_at_once,
                the_operator_role_is_granted_and_taken_back_and_reads_at_once,
                deleting_a_user_removes_its_sessions_identifiers_and_passkeys,
            ],
            imports: [
                an_imported_user_arrives_whole,
                importing_an_external_id_again_writes_nothing,
                an_import_meeting_a_taken_identifier_or_credential_writes_nothing,
            ],
            clients: [
                a_client_id_is_registered_once,
                a_client_reads_back_as_registered,
                an_update_replaces_an_existing_registration_only,
                deleting_a_client_leaves_nothing_for_a_new_client_of_the_same_id,
            ],
            consents: [a_granted_consent_reads_back],
            apis: [
                an_api_identifier_is_registered_once,
                an_update_replaces_a_registered_api,
                a_deleted_api_is_gone_and_cannot_be_updated,
            ],
            bridges: [
                a_bridge_id_is_registered_once,
                an_update_replaces_a_registered_bridge,
                a_deleted_bridge_is_gone_and_cannot_be_updated,
            ],
            upstreams: [
                an_upstream_id_is_registered_once,
                an_upstream_reads_back_whole_with_its_secrets,
                an_update_replaces_a_registered_upstream,
                a_deleted_upstream_is_gone_and_cannot_be_updated,
            ],
            sessions: [
                a_session_is_found_by_its_token_until_it_expires,
                a_session_is_found_with_its_user_until_it_ends_or_expires,
                a_users_sessions_are_listed_newest_first,
                a_sessions_clients_are_recorded_once_each_in_order,
                a_session_ends_once_and_is_not_found_after,
                a_session_keeps_how_it_signed_in_and_its_browser,
                a_use_is_seen_at_once_cache_or_not,
                a_late_use_never_moves_the_last_use_back,
                live_sessions_are_counted_without_the_ended_and_the_expired,
            ],
            refresh_tokens: [
                a_refresh_token_of_another_client_is_refused_and_left_untouched,
                rotation_replaces_a_live_token_with_its_successor,
                refresh_reuse_revokes_the_whole_family,
                an_unknown_refresh_token_is_invalid,
                exactly_one_concurrent_rotation_succeeds,
                revoking_the_refresh_tokens_of_a_user_counts_the_live_families,
            ],
            passkeys: [
                a_credential_id_has_one_owner,
                a_sign_in_records_the_updated_credential_and_when,
                only_the_owner_renames_a_passkey,
                only_the_owner_removes_a_passkey,
            ],
            identities: [
                a_provider_subject_signs_in_one_user,
                only_the_owner_unlinks_an_identity,
            ],
            embedded_apps: [
                an_app_id_is_registered_once_and_reads_back,
                a_credential_id_is_unique_within_an_app_not_across_apps,
                an_app_passkeys_sign_in_records_its_updated_credential_and_when,
                an_alias_of_another_user_is_refused_and_changes_nothing,
                users_are_listed_with_their_counts_and_deleted_whole,
                deleting_an_app_removes_its_passkeys_and_aliases_only,
            ],
            audit_log: [
                events_are_stored_once_and_listed_newest_first,
                events_are_filtered_by_user_kind_and_time,
                an_event_reads_back_as_written,
                a_purge_removes_the_events_before_a_time,
                a_purge_removes_at_most_its_batch_oldest_first,
            ],
            api_keys: [
                an_api_key_id_is_registered_once,
                an_api_key_is_found_by_its_hash_until_revoked,
                an_api_key_is_revoked_once_and_listed_with_when,
            ],
        });
    };
}

/// Every `Ephemeral` rule, for one backend.
macro_rules! ephemeral_tests {
    ($backend:ident: $fixture:ty) => {
        tests!($backend: $fixture {
            ephemeral: [
                a_stored_value_is_read_until_deleted,
                take_returns_the_value_once,
                put_new_refuses_a_live_key,
                a_counter_counts_from_one,
                limits_count_in_order_and_stop_at_the_first_over_its_max,
                keys_expire_and_counters_start_over_after_their_ttl,
                exactly_one_concurrent_taker_wins,
            ],
        });
    };
}

directory_tests!(sqlite: crate::store::conformance::backends::Sqlite);
directory_tests!(postgres: crate::store::conformance::backends::Postgres);
ephemeral_tests!(memory: crate::store::conformance::backends::Memory);
ephemeral_tests!(redis: crate::store::conformance::backends::Redis);
ephemeral_tests!(redis_cluster: crate::store::conformance::backends::RedisCluster);
