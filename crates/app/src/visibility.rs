//! What a partner may see of our records (DESIGN §6): the facts of a change
//! (what changed, when) but never our internal reasons, notes or the logins
//! of our staff. Every history shown to partner roles passes through here, in
//! `app`, so the API and the pages hide the same things.

use std::collections::HashMap;

use qudao_store::ConnectionTrait;

use crate::{AppError, Caller};

/// Staff see internal reasons and who did what; partner users do not.
pub(crate) fn sees_internal(caller: &Caller) -> bool {
    !caller.role.is_partner_role()
}

/// Display names of the given logins, in one query.
pub(crate) async fn user_names(
    db: &impl ConnectionTrait,
    mut logins: Vec<String>,
) -> Result<HashMap<String, String>, AppError> {
    logins.sort_unstable();
    logins.dedup();
    Ok(qudao_store::admin::display_names(db, &logins)
        .await?
        .into_iter()
        .collect())
}
