//! Contacts of partners in the importing user's scope.

use std::collections::HashMap;

use qudao_domain::partners::{Contact, PartnerCode};
use qudao_domain::{Invalid, Problem};
use qudao_store::scope::{self as store_scope, Visible};

use super::{Column, Outcome, Table, Values, finish};
use crate::partners::insert_contact;
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "contacts",
    Permission::ManagePartners,
    upsert: false,
    |app, caller, table, options| app.import_contacts(caller, table, options.dry_run)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "partner_code",
        zh: "合作伙伴编码",
        required: true,
        example: "P10001",
        values: Values::Text,
    },
    Column {
        field: "name",
        zh: "姓名",
        required: true,
        example: "王伟",
        values: Values::Text,
    },
    Column {
        field: "role",
        zh: "职务",
        required: true,
        example: "采购经理",
        values: Values::Text,
    },
    Column {
        field: "phone",
        zh: "电话",
        required: false,
        example: "138 0000 0000",
        values: Values::Text,
    },
    Column {
        field: "email",
        zh: "邮箱",
        required: false,
        example: "wang.wei@example.cn",
        values: Values::Text,
    },
    Column {
        field: "birthday",
        zh: "生日",
        required: false,
        example: "1985-06-01",
        values: Values::Text,
    },
];

impl Qudao {
    async fn import_contacts(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<Outcome, AppError> {
        let today = crate::today();
        let mut errors = Vec::new();
        let mut partners: HashMap<String, Option<Visible>> = HashMap::new();
        let mut parsed = Vec::new();
        for (row, values) in &table.rows {
            let cell = |field| table.cell(values, field);
            let partner = match PartnerCode::parse(cell("partner_code")) {
                Ok(code) => {
                    if !partners.contains_key(code.as_str()) {
                        let found =
                            store_scope::partner_by_code(self.db(), caller.scope(), &code).await?;
                        partners.insert(code.as_str().to_owned(), found);
                    }
                    partners.get(code.as_str()).cloned().flatten()
                }
                Err(_) => None,
            };
            if partner.is_none() {
                errors.push(table.error(
                    *row,
                    Invalid::new(
                        "partner_code",
                        Problem::Rule {
                            rule: "partner_must_exist",
                        },
                    ),
                ));
            }
            let contact = Contact::parse(
                cell("name"),
                cell("role"),
                cell("phone"),
                cell("email"),
                cell("birthday"),
                today,
            );
            match (partner, contact) {
                (Some(partner), Ok(contact)) => parsed.push((partner, contact)),
                (_, Err(invalid)) => errors.extend(invalid.into_iter().map(|i| {
                    // The file's columns are `name` and `role`.
                    let field = match i.field {
                        "contact_name" => "name",
                        "contact_role" => "role",
                        other => other,
                    };
                    table.error(*row, Invalid::new(field, i.problem))
                })),
                (None, Ok(_)) => {}
            }
        }
        if !errors.is_empty() {
            return Ok(Outcome::rejected(errors));
        }
        let tx = self.write().await?;
        for (partner, contact) in &parsed {
            let stored = insert_contact(&tx, partner, contact).await?;
            self.audit(
                &tx,
                caller,
                "partner",
                partner.code(),
                "import_contact",
                None,
                Some(&stored.name),
            )
            .await?;
        }
        let outcome = Outcome {
            created: parsed.len(),
            ..Outcome::default()
        };
        finish(tx, outcome, dry_run).await
    }
}
