//! The administration's side of [`InMemoryStore`]: orgs, integrations, tokens, apps and
//! connections in flight.

use super::{now_rfc3339, InMemoryStore, Refused, State, TokenRow};
use crate::model::{
    AppId, AppSummary, Credentials, Integration, IntegrationId, IntegrationName,
    IntegrationSummary, NewApp, NewIntegration, OAuthApp, Org, OrgId, PendingConnection, Slug,
};
use crate::ports::{AdminStore, RevokeOutcome, StoreError, TokenSelector};
use crate::token::{StoredToken, TokenSummary};

impl State {
    /// Stores `new`, enabled, linked to `org` (which the caller checked), under a new id.
    fn insert_integration(&mut self, org: OrgId, new: &NewIntegration) -> IntegrationId {
        self.next_integration += 1;
        let id = IntegrationId(self.next_integration);
        self.integrations.push(Integration {
            id,
            provider: new.provider,
            name: new.name.as_str().to_owned(),
            base_url: new.base_url.clone(),
            verify_tls: new.verify_tls,
            enabled: true,
            credentials: new.credentials.clone(),
        });
        self.integrations_created.push((id, now_rfc3339()));
        self.links.push((org, id));
        id
    }

    fn summary(&self, i: &Integration, links: &[(OrgId, IntegrationId)]) -> IntegrationSummary {
        IntegrationSummary {
            id: i.id,
            provider: i.provider,
            name: i.name.clone(),
            base_url: i.base_url.as_str().to_owned(),
            verify_tls: i.verify_tls,
            enabled: i.enabled,
            auth_method: i.credentials.method(),
            user: i.credentials.user_name().map(str::to_owned),
            orgs: links
                .iter()
                .filter(|(_, l)| *l == i.id)
                .filter_map(|(o, _)| self.org(*o).map(|o| o.slug.clone()))
                .collect(),
            created_at: self
                .integrations_created
                .iter()
                .find(|(id, _)| *id == i.id)
                .map(|(_, at)| at.clone())
                .unwrap_or_default(),
        }
    }

    fn has_token(&self, admin: bool, hash: &str) -> bool {
        self.tokens
            .iter()
            .any(|t| t.org.is_none() == admin && t.token.hash == hash)
    }
}

impl AdminStore for InMemoryStore {
    async fn create_org(&self, slug: &Slug) -> Result<Option<Org>, StoreError> {
        let mut state = self.state()?;
        if state.orgs.iter().any(|o| o.slug == *slug) {
            return Ok(None);
        }
        state.next_org += 1;
        let org = Org {
            id: OrgId(state.next_org),
            slug: slug.clone(),
        };
        state.orgs.push(org.clone());
        Ok(Some(org))
    }

    async fn list_orgs(&self) -> Result<Vec<Org>, StoreError> {
        Ok(self.state()?.orgs.clone())
    }

    async fn add_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<IntegrationId, StoreError> {
        let mut state = self.state()?;
        state.require_org(org)?;
        Ok(state.insert_integration(org, new))
    }

    async fn list_integrations(
        &self,
        org: Option<OrgId>,
    ) -> Result<Vec<IntegrationSummary>, StoreError> {
        let state = self.state()?;
        let mut linked: Vec<(OrgId, IntegrationId)> = state.links.clone();
        linked.sort();
        let mut listed: Vec<IntegrationSummary> = state
            .integrations
            .iter()
            .filter(|i| org.is_none_or(|o| linked.contains(&(o, i.id))))
            .map(|i| state.summary(i, &linked))
            .collect();
        listed.sort_by_key(|s| s.id);
        Ok(listed)
    }

    async fn integration(&self, id: IntegrationId) -> Result<Option<Integration>, StoreError> {
        Ok(self
            .state()?
            .integrations
            .iter()
            .find(|i| i.id == id)
            .cloned())
    }

    async fn remove_integration(&self, id: IntegrationId) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        let before = state.integrations.len();
        state.integrations.retain(|i| i.id != id);
        state.integrations_created.retain(|(i, _)| *i != id);
        state.links.retain(|(_, i)| *i != id);
        Ok(state.integrations.len() < before)
    }

    async fn set_integration_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        self.update_integration(id, None, Some(enabled)).await
    }

    async fn add_token(&self, org: OrgId, token: &StoredToken) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        state.require_org(org)?;
        if state.has_token(false, &token.hash) {
            return Ok(false);
        }
        state.tokens.push(TokenRow {
            org: Some(org),
            token: token.clone(),
            revoked: false,
            created_at: now_rfc3339(),
        });
        Ok(true)
    }

    async fn revoke_token(&self, selector: &TokenSelector) -> Result<RevokeOutcome, StoreError> {
        Ok(self.state()?.revoke(false, selector))
    }

    async fn delete_org(&self, org: OrgId) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        let before = state.orgs.len();
        state.orgs.retain(|o| o.id != org);
        state.tokens.retain(|t| t.org != Some(org));
        state.links.retain(|(o, _)| *o != org);
        state.connections.retain(|(_, c)| c.org != org);
        state.signing_keys.retain(|k| k.org != org);
        Ok(state.orgs.len() < before)
    }

    async fn list_tokens(&self, org: OrgId) -> Result<Vec<TokenSummary>, StoreError> {
        Ok(self
            .state()?
            .tokens
            .iter()
            .filter(|t| t.org == Some(org) && !t.revoked)
            .map(|t| TokenSummary {
                prefix: t.token.id.clone(),
                name: t.token.name.clone(),
                created_at: t.created_at.clone(),
            })
            .collect())
    }

    async fn update_integration(
        &self,
        id: IntegrationId,
        name: Option<&IntegrationName>,
        enabled: Option<bool>,
    ) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        let Some(found) = state.integration_mut(id) else {
            return Ok(false);
        };
        if let Some(name) = name {
            found.name = name.as_str().to_owned();
        }
        if let Some(enabled) = enabled {
            found.enabled = enabled;
        }
        Ok(true)
    }

    async fn replace_credentials(
        &self,
        id: IntegrationId,
        credentials: &Credentials,
    ) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        let found = state.integration_mut(id);
        Ok(found.map(|i| i.credentials = credentials.clone()).is_some())
    }

    async fn connect_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<(IntegrationId, bool), StoreError> {
        let mut state = self.state()?;
        state.require_org(org)?;
        let same = state
            .integrations
            .iter()
            .filter(|i| i.provider == new.provider && i.base_url == new.base_url)
            .map(|i| i.id)
            .filter(|id| state.links.contains(&(org, *id)))
            .min();
        if let Some(found) = same.and_then(|id| state.integration_mut(id)) {
            found.credentials = new.credentials.clone();
            found.enabled = true;
            return Ok((found.id, true));
        }
        Ok((state.insert_integration(org, new), false))
    }

    async fn add_admin_token(&self, token: &StoredToken) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        if state.has_token(true, &token.hash) {
            return Ok(false);
        }
        state.tokens.push(TokenRow {
            org: None,
            token: token.clone(),
            revoked: false,
            created_at: now_rfc3339(),
        });
        Ok(true)
    }

    async fn is_admin_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        Ok(self
            .state()?
            .tokens
            .iter()
            .any(|t| t.org.is_none() && !t.revoked && t.token.hash == token_hash))
    }

    async fn revoke_admin_token(
        &self,
        selector: &TokenSelector,
    ) -> Result<RevokeOutcome, StoreError> {
        Ok(self.state()?.revoke(true, selector))
    }

    async fn add_app(&self, new: &NewApp) -> Result<AppId, StoreError> {
        let mut state = self.state()?;
        state.next_app += 1;
        let id = AppId(state.next_app);
        state.apps.push(OAuthApp {
            id,
            kind: new.kind,
            base_url: new.base_url.clone(),
            client_id: new.client_id.clone(),
            secret: new.secret.clone(),
            public_key_pem: new.public_key_pem.clone(),
            verify_tls: new.verify_tls,
            created_at: now_rfc3339(),
        });
        Ok(id)
    }

    async fn list_apps(&self) -> Result<Vec<AppSummary>, StoreError> {
        Ok(self.state()?.apps.iter().map(OAuthApp::summary).collect())
    }

    async fn app(&self, id: AppId) -> Result<Option<OAuthApp>, StoreError> {
        Ok(self.state()?.app(id).cloned())
    }

    async fn remove_app(&self, id: AppId) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        let before = state.apps.len();
        state.apps.retain(|a| a.id != id);
        state.connections.retain(|(_, c)| c.app != id);
        Ok(state.apps.len() < before)
    }

    async fn save_connection(
        &self,
        state_hash: &str,
        connection: &PendingConnection,
    ) -> Result<(), StoreError> {
        let mut state = self.state()?;
        state.require_org(connection.org)?;
        if state.app(connection.app).is_none() {
            return Err(StoreError::unavailable(Refused(format!(
                "app {} does not exist",
                connection.app
            ))));
        }
        state.connections.retain(|(h, _)| h != state_hash);
        state
            .connections
            .push((state_hash.to_owned(), connection.clone()));
        Ok(())
    }

    async fn take_connection(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingConnection>, StoreError> {
        let mut state = self.state()?;
        let at = state.connections.iter().position(|(h, _)| h == state_hash);
        Ok(at.map(|i| state.connections.remove(i).1))
    }

    async fn purge_connections(&self, now: i64) -> Result<u64, StoreError> {
        let mut state = self.state()?;
        let before = state.connections.len();
        state.connections.retain(|(_, c)| c.expires_at >= now);
        Ok(u64::try_from(before - state.connections.len()).unwrap_or(u64::MAX))
    }
}
