//! Changes to stored integrations: renaming and enabling, new credentials by hand or from a
//! finished consent; and ids that are never given twice.

use super::check::Check;
use super::fixtures::{every_app, every_kind, name, stored, summary, unknown_org, url};
use crate::model::{Integration, IntegrationId, NewIntegration, Provider};
use crate::ports::{AdminStore, IntegrationStore};

/// `update_integration` changes the name, `enabled`, both or neither (`None`: unchanged),
/// credentials kept; unknown ids give `false` and change nothing.
pub async fn integrations_are_renamed_and_enabled_by_update<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "integrations_are_renamed_and_enabled_by_update";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let kinds = every_kind();
    let a = c.add(&org, &kinds[3]).await;
    let b = c.add(&org, &kinds[0]).await;
    let ghost = IntegrationId(a.0.max(b.0) + 1000);
    let mut want = stored(a, &kinds[3], true);

    let (renamed, both) = (name("renamed \"é\""), name("both"));
    let steps = [
        (Some(&renamed), None, "renamed only"),
        (None, Some(false), "disabled only"),
        (Some(&both), Some(true), "renamed and enabled"),
        (None, Some(true), "enabled when enabled"),
        (None, None, "with nothing to change"),
    ];
    for (new_name, enabled, what) in steps {
        let found = c.update(a, new_name, enabled).await;
        assert!(found, "{CHECK}: update_integration ({what}) finds it");
        if let Some(n) = new_name {
            want.name = n.as_str().to_owned();
        }
        want.enabled = enabled.unwrap_or(want.enabled);
        c.reads_as(org.id, &want, what).await;
    }
    let listed: Vec<_> = c
        .list(None)
        .await
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut names = vec![
        (a, want.name.clone()),
        (b, kinds[0].name.as_str().to_owned()),
    ];
    names.sort();
    assert_eq!(listed, names, "{CHECK}: the listing shows the new name");

    let found = c.update(ghost, Some(&renamed), Some(false)).await;
    assert!(!found, "{CHECK}: update_integration(unknown id) is false");
    c.reads_as(
        org.id,
        &stored(b, &kinds[0], true),
        "the other one untouched",
    )
    .await;
    assert_eq!(c.list(None).await.len(), 2, "{CHECK}: no integration made");
}

/// `replace_credentials` swaps the credentials (the method may change) and keeps the id,
/// name, base URL, links and state; unknown ids give `false`.
pub async fn replacing_credentials_keeps_id_name_links_and_state<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "replacing_credentials_keeps_id_name_links_and_state";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let kinds = every_kind();
    let a = c.add(&org, &kinds[0]).await;
    let b = c.add(&org, &kinds[1]).await;
    let ghost = IntegrationId(a.0.max(b.0) + 1000);
    assert!(c.set_enabled(a, false).await, "{CHECK}: disabling finds it");

    let mut want = stored(a, &kinds[0], false);
    for new in [&kinds[3], &kinds[2], &kinds[0]] {
        let res = store.replace_credentials(a, &new.credentials).await;
        let found = c.ok("replace_credentials", res);
        assert!(found, "{CHECK}: replace_credentials finds it");
        want.credentials = new.credentials.clone();
        let what = format!(
            "with {} credentials, still disabled",
            new.credentials.method()
        );
        c.reads_as(org.id, &want, &what).await;
        let listed = c.list(Some(org.id)).await;
        let listed: Vec<_> = listed.into_iter().filter(|s| s.id == a).collect();
        let mut shown = summary(a, &kinds[0], &org.slug);
        shown.enabled = false;
        shown.auth_method = new.credentials.method();
        shown.user = new.credentials.user_name().map(str::to_owned);
        assert_eq!(listed, [shown], "{CHECK}: the listing shows the new method");
    }
    let res = store
        .replace_credentials(ghost, &kinds[3].credentials)
        .await;
    let found = c.ok("replace_credentials", res);
    assert!(!found, "{CHECK}: replace_credentials(unknown id) is false");
    c.reads_as(
        org.id,
        &stored(b, &kinds[1], true),
        "the other one untouched",
    )
    .await;
    assert_eq!(c.list(None).await.len(), 2, "{CHECK}: no integration made");
}

/// `connect_integration` adds and links an integration the first time; connecting the same
/// Jira (provider and base URL) to the same org again replaces its credentials and enables
/// it, same id, name and TLS setting kept; another org's, another provider's or another
/// URL's integration is never matched. An unknown org is an error that writes nothing.
pub async fn connecting_the_same_jira_again_replaces_its_credentials<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "connecting_the_same_jira_again_replaces_its_credentials";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    let kinds = every_kind();
    let first = kinds[1].clone();
    let second = NewIntegration {
        name: name("another name"),
        verify_tls: !first.verify_tls,
        credentials: kinds[3].credentials.clone(),
        ..first.clone()
    };

    let (id, updated) = c.connect(acme.id, &first).await;
    assert!(!updated, "{CHECK}: the first connection adds");
    c.reads_as(acme.id, &stored(id, &first, true), "as first connected")
        .await;
    assert!(
        c.set_enabled(id, false).await,
        "{CHECK}: disabling finds it"
    );

    let again = c.connect(acme.id, &second).await;
    assert_eq!(
        again,
        (id, true),
        "{CHECK}: connecting again updates, same id"
    );
    let want = Integration {
        credentials: second.credentials.clone(),
        ..stored(id, &first, true)
    };
    c.reads_as(
        acme.id,
        &want,
        "with the new credentials, enabled, name kept",
    )
    .await;

    let other_provider = NewIntegration {
        provider: Provider::JiraServer,
        ..second.clone()
    };
    assert_ne!(other_provider.provider, first.provider, "{CHECK}: fixture");
    let other_url = NewIntegration {
        base_url: url("https://other.atlassian.net"),
        ..second.clone()
    };
    let mut ids = vec![id];
    for (org, new, what) in [
        (&beta, &second, "another org"),
        (&acme, &other_provider, "another provider"),
        (&acme, &other_url, "another base URL"),
    ] {
        let (made, updated) = c.connect(org.id, new).await;
        assert!(!updated, "{CHECK}: the same Jira of {what} is not matched");
        assert!(!ids.contains(&made), "{CHECK}: {what} gives a new id");
        c.reads_as(org.id, &stored(made, new, true), what).await;
        ids.push(made);
    }
    c.reads_as(acme.id, &want, "untouched by the other connections")
        .await;
    let listed: Vec<_> = c.list(Some(acme.id)).await.iter().map(|s| s.id).collect();
    let mut of_acme = vec![ids[0], ids[2], ids[3]];
    of_acme.sort();
    assert_eq!(listed, of_acme, "{CHECK}: acme's integrations");

    let ghost = unknown_org([&acme, &beta]);
    let res = store.connect_integration(ghost, &first).await;
    assert!(res.is_err(), "{CHECK}: an unknown org is an Err: {res:?}");
    let count = c.list(None).await.len();
    assert_eq!(
        count,
        ids.len(),
        "{CHECK}: the failed connection wrote nothing"
    );
}

/// Ids of orgs, integrations and apps are never given twice, even after the newest one is
/// deleted: a caller holding an old id must not reach what was made after it.
pub async fn ids_are_never_reused<S: IntegrationStore + AdminStore>(store: &S) {
    const CHECK: &str = "ids_are_never_reused";
    let c = Check::new(CHECK, store);
    let kinds = every_kind();
    let acme = c.org("acme").await;
    let beta = c.org("beta").await;
    assert!(
        c.delete_org(beta.id).await,
        "{CHECK}: delete_org finds beta"
    );
    let gamma = c.org("gamma").await;
    let orgs = [acme.id, beta.id, gamma.id];
    assert!(
        gamma.id != acme.id && gamma.id != beta.id,
        "{CHECK}: a new org after deleting the newest has a new id: {orgs:?}"
    );

    let mut given = Vec::new();
    for new in &kinds[..3] {
        let id = c.add(&acme, new).await;
        assert!(
            !given.contains(&id),
            "{CHECK}: add_integration after removing the newest gives a new id ({id} in {given:?})"
        );
        given.push(id);
        assert!(c.remove(id).await, "{CHECK}: removing the newest finds it");
        let (made, _) = c.connect(acme.id, new).await;
        assert!(
            !given.contains(&made),
            "{CHECK}: connect_integration gives a new id ({made} in {given:?})"
        );
        given.push(made);
        assert!(
            c.remove(made).await,
            "{CHECK}: removing the newest finds it"
        );
    }

    let mut apps = Vec::new();
    for new in every_app() {
        let id = c.add_app(&new).await;
        assert!(
            !apps.contains(&id),
            "{CHECK}: add_app after removing the newest gives a new id ({id} in {apps:?})"
        );
        apps.push(id);
        assert!(
            c.remove_app(id).await,
            "{CHECK}: removing the newest finds it"
        );
    }
}
