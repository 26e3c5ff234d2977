//! Which regions a channel manager or sales rep covers. With the partners
//! they own, these make their data scope (`DataScope::Covered`).

use qudao_domain::admin::{Login, Role};
use qudao_domain::territories::RegionCode;
use qudao_domain::{Invalid, Problem};
use qudao_store::admin as users;
use qudao_store::coverage as repo;
use qudao_store::territories::{self as regions, region};
use qudao_store::{ConnectionTrait, WriteTx};
use serde::Serialize;

use crate::{AppError, Caller, Permission, Qudao};

/// A covered region, named for people and coded for programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CoveredRegion {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
}

impl From<region::Model> for CoveredRegion {
    fn from(row: region::Model) -> Self {
        Self {
            code: row.code,
            name: row.name,
            name_en: row.name_en,
        }
    }
}

/// The whole set of regions a user should cover (`PUT`).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CoverageInput {
    pub region_codes: Vec<String>,
}

/// Only staff who work a territory cover regions.
fn covers_regions(role: &str) -> bool {
    matches!(Role::parse(role), Ok(Role::ChannelManager | Role::SalesRep))
}

impl Qudao {
    /// The regions a user covers (admins only).
    pub async fn user_regions(
        &self,
        caller: &Caller,
        login: &str,
    ) -> Result<Vec<CoveredRegion>, AppError> {
        caller.require(Permission::ManageUsers)?;
        let user = self.user_by_login(self.db(), login).await?;
        Ok(repo::regions_of(self.db(), user.id)
            .await?
            .into_iter()
            .map(CoveredRegion::from)
            .collect())
    }

    /// Makes `codes` the regions a user covers: adds the missing ones and
    /// removes the others, with one audit record of before and after.
    pub async fn set_user_regions(
        &self,
        caller: &Caller,
        login: &str,
        input: &CoverageInput,
    ) -> Result<Vec<CoveredRegion>, AppError> {
        caller.require(Permission::ManageUsers)?;
        let tx = self.write().await?;
        let user = self.user_by_login(&tx, login).await?;
        check_covers(&user)?;
        let mut wanted = Vec::new();
        let mut fields = Vec::new();
        for code in &input.region_codes {
            match find_region(&tx, code).await? {
                Ok(row) if !wanted.iter().any(|w: &region::Model| w.id == row.id) => {
                    wanted.push(row);
                }
                Ok(_) => {}
                Err(invalid) => fields.push(invalid),
            }
        }
        if !fields.is_empty() {
            return Err(AppError::Invalid(fields));
        }
        let before = repo::regions_of(&tx, user.id).await?;
        for old in &before {
            if !wanted.iter().any(|w| w.id == old.id) {
                repo::remove(&tx, user.id, old.id).await?;
            }
        }
        for row in &wanted {
            if !before.iter().any(|old| old.id == row.id) {
                repo::add(&tx, user.id, row.id).await?;
            }
        }
        let views = |rows: Vec<region::Model>| -> Vec<CoveredRegion> {
            rows.into_iter().map(CoveredRegion::from).collect()
        };
        // An audit record is an object of fields, so the list is one field.
        let before = Covered {
            regions: views(before),
        };
        let after = Covered {
            regions: views(repo::regions_of(&tx, user.id).await?),
        };
        self.audit(
            &tx,
            caller,
            "user",
            &user.login,
            "set_regions",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after.regions)
    }

    /// Adds one region to a user's coverage.
    pub async fn add_user_region(
        &self,
        caller: &Caller,
        login: &str,
        region_code: &str,
    ) -> Result<Vec<CoveredRegion>, AppError> {
        let tx = self.write().await?;
        self.add_user_region_in(&tx, caller, login, region_code)
            .await?;
        let user = self.user_by_login(&tx, login).await?;
        let after = repo::regions_of(&tx, user.id).await?;
        crate::commit(tx).await?;
        Ok(after.into_iter().map(CoveredRegion::from).collect())
    }

    /// Adds a region inside the caller's transaction (a form, or one row of
    /// a `user_regions` import); a region already covered is left as it is.
    /// Returns whether anything was added.
    pub(crate) async fn add_user_region_in(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        login: &str,
        region_code: &str,
    ) -> Result<bool, AppError> {
        caller.require(Permission::ManageUsers)?;
        let user = match Login::parse(login) {
            Ok(login) => users::find_user_by_login(tx, login.as_str()).await?,
            Err(_) => None,
        };
        let region = find_region(tx, region_code).await?;
        let mut fields = Vec::new();
        match &user {
            None => fields.push(Invalid::new(
                "login",
                Problem::Rule {
                    rule: "user_must_exist",
                },
            )),
            Some(user) => {
                if let Err(AppError::Invalid(found)) = check_covers(user) {
                    fields.extend(found);
                }
            }
        }
        if let Err(invalid) = &region {
            fields.push(invalid.clone());
        }
        let (Some(user), Ok(region)) = (user, region) else {
            return Err(AppError::Invalid(fields));
        };
        if !fields.is_empty() {
            return Err(AppError::Invalid(fields));
        }
        if repo::covers(tx, user.id, region.id).await? {
            return Ok(false);
        }
        repo::add(tx, user.id, region.id).await?;
        let added = CoveredRegion::from(region);
        self.audit(
            tx,
            caller,
            "user",
            &user.login,
            "add_region",
            None,
            Some(&added),
        )
        .await?;
        Ok(true)
    }

    /// Removes one region from a user's coverage; one not covered is not found.
    pub async fn remove_user_region(
        &self,
        caller: &Caller,
        login: &str,
        region_code: &str,
    ) -> Result<(), AppError> {
        caller.require(Permission::ManageUsers)?;
        let tx = self.write().await?;
        let user = self.user_by_login(&tx, login).await?;
        let region = find_region(&tx, region_code)
            .await?
            .map_err(|_| AppError::NotFound("region"))?;
        if !repo::covers(&tx, user.id, region.id).await? {
            return Err(AppError::NotFound("region"));
        }
        repo::remove(&tx, user.id, region.id).await?;
        let removed = CoveredRegion::from(region);
        self.audit(
            &tx,
            caller,
            "user",
            &user.login,
            "remove_region",
            Some(&removed),
            None,
        )
        .await?;
        crate::commit(tx).await?;
        Ok(())
    }

    async fn user_by_login(
        &self,
        db: &impl ConnectionTrait,
        login: &str,
    ) -> Result<qudao_store::admin::user::Model, AppError> {
        let login = Login::parse(login).map_err(|_| AppError::NotFound("user"))?;
        users::find_user_by_login(db, login.as_str())
            .await?
            .ok_or(AppError::NotFound("user"))
    }
}

fn check_covers(user: &qudao_store::admin::user::Model) -> Result<(), AppError> {
    if covers_regions(&user.role) {
        Ok(())
    } else {
        Err(AppError::Invalid(vec![Invalid::new(
            "login",
            Problem::Rule {
                rule: "regions_only_for_field_staff",
            },
        )]))
    }
}

/// A region by its code, or why the code names none.
async fn find_region(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Result<region::Model, Invalid>, AppError> {
    let code = match RegionCode::parse("region_code", code) {
        Ok(code) => code,
        Err(invalid) => return Ok(Err(invalid)),
    };
    Ok(regions::region_by_code(db, code.as_str())
        .await?
        .ok_or(Invalid::new(
            "region_code",
            Problem::Rule {
                rule: "region_must_exist",
            },
        )))
}

/// The regions a user covers, as one audit record's field.
#[derive(Serialize)]
struct Covered {
    regions: Vec<CoveredRegion>,
}
