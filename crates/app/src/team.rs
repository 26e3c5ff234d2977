//! A partner admin's own team: the accounts of its own organisation. It
//! creates `partner_user` accounts, disables and enables them and resets
//! their passwords; every other account, its own organisation's other
//! partner admins included, is out of reach and answers "not found".

use qudao_domain::admin::{DisplayName, Login, NewPassword, Role, UserStatus};
use qudao_domain::partners::PartnerId;
use qudao_store::ConnectionTrait;
use qudao_store::admin::{self as repo, user};
use qudao_store::paging::{PageRequest, SortDir};

use crate::admin::{UserFilter, UserSort, UserView, generate_password, hash_password};
use crate::error::Fields;
use crate::{AppError, Caller, Permission, Qudao};

/// A new staff account, as typed; the password is generated.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct TeamMemberInput {
    pub login: String,
    pub display_name: String,
}

/// A staff account with its generated password, shown once and never stored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TeamMemberPassword {
    pub user: UserView,
    pub password: String,
}

impl Qudao {
    /// The caller's organisation; only a partner admin has a team.
    fn own_organisation(caller: &Caller) -> Result<PartnerId, AppError> {
        caller.require(Permission::ManageTeam)?;
        caller.partner_id.ok_or(AppError::Forbidden)
    }

    /// Every account of the caller's own organisation.
    pub async fn list_team(&self, caller: &Caller) -> Result<Vec<UserView>, AppError> {
        let partner = Self::own_organisation(caller)?;
        let filter = UserFilter {
            partner_id: Some(partner.0),
            ..UserFilter::default()
        };
        let rows = repo::list_users(
            self.db(),
            &filter,
            UserSort::Login,
            SortDir::Asc,
            PageRequest::export(),
        )
        .await?;
        let code = self.own_partner_code(caller).await?;
        rows.items
            .into_iter()
            .map(|row| self.user_view(row, code.clone()))
            .collect()
    }

    /// Creates a `partner_user` of the caller's organisation with a
    /// generated password.
    pub async fn create_team_member(
        &self,
        caller: &Caller,
        input: &TeamMemberInput,
    ) -> Result<TeamMemberPassword, AppError> {
        let partner = Self::own_organisation(caller)?;
        let mut fields = Fields::default();
        let login = fields.take(Login::parse(&input.login));
        let display_name = fields.take(DisplayName::parse(&input.display_name));
        fields.finish()?;
        let (Some(login), Some(display_name)) = (login, display_name) else {
            return Err(AppError::Internal("validated fields missing".to_owned()));
        };
        let password = generate_password();
        let hash = hash_password(NewPassword::parse(&password)?).await?;
        let code = self.own_partner_code(caller).await?;
        let tx = self.write().await?;
        let row = repo::insert_user(
            &tx,
            repo::NewUser {
                login: login.as_str(),
                display_name: display_name.as_str(),
                role: Role::PartnerUser.as_str(),
                partner_id: Some(partner.0),
                password_hash: hash,
            },
        )
        .await
        .map_err(|e| match e {
            qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "login" },
            other => other.into(),
        })?;
        let view = self.user_view(row, code)?;
        self.audit(
            &tx,
            caller,
            "user",
            &view.login,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(TeamMemberPassword {
            user: view,
            password,
        })
    }

    /// Disables or enables a staff account of the caller's organisation.
    pub async fn set_team_member_status(
        &self,
        caller: &Caller,
        login: &str,
        status: UserStatus,
    ) -> Result<UserView, AppError> {
        let partner = Self::own_organisation(caller)?;
        let tx = self.write().await?;
        let row = team_member(&tx, partner, login).await?;
        let view = self.write_status(&tx, caller, row, status).await?;
        crate::commit(tx).await?;
        self.callers().invalidate();
        Ok(view)
    }

    /// Gives a staff account of the caller's organisation a new generated
    /// password; its sessions end and its login throttles are lifted.
    pub async fn reset_team_member_password(
        &self,
        caller: &Caller,
        login: &str,
    ) -> Result<TeamMemberPassword, AppError> {
        let partner = Self::own_organisation(caller)?;
        let password = generate_password();
        let hash = hash_password(NewPassword::parse(&password)?).await?;
        let code = self.own_partner_code(caller).await?;
        let tx = self.write().await?;
        let row = team_member(&tx, partner, login).await?;
        let row = self
            .write_password(&tx, caller, row, hash, "reset_password")
            .await?;
        let view = self.user_view(row, code)?;
        crate::commit(tx).await?;
        self.callers().invalidate();
        Ok(TeamMemberPassword {
            user: view,
            password,
        })
    }
}

/// A `partner_user` of `partner`, read in the transaction that changes it.
/// Anything else (another organisation's account, a partner admin, an
/// internal account) is not found, exactly like a login that does not exist.
async fn team_member(
    db: &impl ConnectionTrait,
    partner: PartnerId,
    login: &str,
) -> Result<user::Model, AppError> {
    let login = Login::parse(login).map_err(|_| AppError::NotFound("user"))?;
    repo::find_user_by_login(db, login.as_str())
        .await?
        .filter(|row| row.partner_id == Some(partner.0) && row.role == Role::PartnerUser.as_str())
        .ok_or(AppError::NotFound("user"))
}
