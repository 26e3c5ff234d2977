//! What an action that cannot be undone will bring about, counted on the
//! server so that its confirmation states real consequences.

use crate::{AppError, Caller, Permission, Qudao};

impl Qudao {
    /// The live API tokens of each of these accounts (disabling an account
    /// revokes them), for an administrator or, for its own staff, a partner
    /// admin. Accounts the caller may not manage are left out.
    pub async fn live_tokens(
        &self,
        caller: &Caller,
        logins: &[String],
    ) -> Result<Vec<(String, i64)>, AppError> {
        let everyone = caller.can(Permission::ManageUsers);
        if !everyone && !caller.can(Permission::ManageTeam) {
            return Err(AppError::Forbidden);
        }
        let mut users = Vec::with_capacity(logins.len());
        for login in logins {
            let user = qudao_store::admin::find_user_by_login(self.db(), login).await?;
            if let Some(user) = user.filter(|u| {
                everyone
                    || (u.partner_id.is_some() && u.partner_id == caller.partner_id.map(|p| p.0))
            }) {
                users.push(user);
            }
        }
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let counts = qudao_store::admin::live_token_counts(self.db(), &ids).await?;
        Ok(users
            .into_iter()
            .map(|u| {
                let live = counts
                    .iter()
                    .find(|(id, _)| *id == u.id)
                    .map_or(0, |(_, n)| *n);
                (u.login, live)
            })
            .collect())
    }
}
