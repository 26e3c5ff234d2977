#![allow(clippy::wildcard_imports)]

use super::*;
use qudao_app::receivables::{OpeningInvoiceInput, PaymentInput};

/// P1 paid 100 yuan today with nothing owed, kept on account; two invoices
/// came after it: NEW-1 (60, due in 10 days) and NEW-2 (80, due in 20).
/// Returns the payment's number.
async fn kept_on_account(env: &Env) -> Res<String> {
    let kept = env
        .app
        .record_payment(
            &env.system,
            &PaymentInput {
                partner: "P1".into(),
                currency: "CNY".into(),
                amount: "100".into(),
                received_on: day(0).to_string(),
                overpayment: "on_account".into(),
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(kept.on_account, "100.00");
    for (number, amount, due) in [("NEW-1", "60", 10), ("NEW-2", "80", 20)] {
        env.app
            .record_opening_invoice(
                &env.system,
                &OpeningInvoiceInput {
                    partner: "P1".into(),
                    number: number.into(),
                    currency: "CNY".into(),
                    amount: amount.into(),
                    issued_on: day(0).to_string(),
                    due_on: day(due).to_string(),
                },
            )
            .await?;
    }
    Ok(kept.number)
}

/// What the payment keeps on account now, as the app says.
async fn on_account(env: &Env, number: &str) -> Res<String> {
    let (payments, _) = env.app.payments(&env.system, 1, 50).await?;
    Ok(payments
        .into_iter()
        .find(|p| p.number == number)
        .map(|p| p.on_account)
        .unwrap_or_default())
}

#[tokio::test]
async fn money_on_account_is_applied_from_the_payments_page_on_sqlite() -> Res {
    applied_from_the_page(Env::new("apply_page").await?).await
}

#[tokio::test]
async fn money_on_account_is_applied_from_the_payments_page_on_postgres() -> Res {
    applied_from_the_page(Env::postgres("apply_page").await?).await
}

async fn applied_from_the_page(env: Env) -> Res {
    let number = kept_on_account(&env).await?;
    let form = format!("/receivables/payments/{number}/allocate");

    // The list offers the action to finance, never to the partner.
    let mut finance = env.signed_in("finance").await?;
    let list = finance.get("/receivables/payments").await?;
    assert!(list.text().contains(&format!(r#"href="{form}""#)));
    let mut padmin = env.signed_in("padmin").await?;
    let theirs = padmin.get("/receivables/payments").await?;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.text().contains("/allocate"));
    assert_eq!(padmin.get(&form).await?.status, StatusCode::FORBIDDEN);

    // The form: the payer by name, what is kept, the open invoices oldest
    // due first with what each owes.
    let page = finance.get(&form).await?;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Partner P1"), "{html}");
    assert!(testid(&html, "kept").contains("¥100.00"));
    let rows = testid(&html, "open-invoices");
    assert!(rows.contains("NEW-1"), "{rows}");
    assert!(html.find("NEW-1") < html.find("NEW-2"));
    assert!(html.contains("¥60.00") && html.contains("¥80.00"));

    // An amount that does not read: said beside NEW-1's box, nothing written.
    let bad = finance
        .submit(
            &form,
            &[
                ("invoice_0", "NEW-1"),
                ("amount_0", "六十"),
                ("invoice_1", "NEW-2"),
                ("amount_1", ""),
            ],
        )
        .await?;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(html.contains(r#"id="amount_0" name="amount_0""#), "{html}");
    assert!(
        html.contains(r#"aria-describedby="amount_0-error""#),
        "{html}"
    );
    let error = &html[html.find(r#"id="amount_0-error""#).ok_or("no error")?..];
    assert!(
        error[..error.find("</div>").ok_or("unclosed")?].contains("NEW-1"),
        "{error}"
    );
    assert!(
        html.contains(r##"href="#amount_0""##),
        "the summary links the box"
    );
    assert!(html.contains(r#"value="六十""#), "what was typed stays");
    assert_eq!(on_account(&env, &number).await?, "100.00");

    // Rows are the page's: a refusal naming NEW-2 goes beside NEW-2's box
    // (the second, oldest due first) whatever order the post came in.
    let shifted = finance
        .submit(&form, &[("invoice_0", "NEW-2"), ("amount_0", "-5")])
        .await?;
    assert_eq!(shifted.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = shifted.text();
    let error = &html[html.find(r#"id="amount_1-error""#).ok_or("no error")?..];
    assert!(
        error[..error.find("</div>").ok_or("unclosed")?].contains("NEW-2"),
        "{error}"
    );
    assert!(
        html.contains(
            r#"id="amount_1" name="amount_1" type="text" inputmode="decimal" size="10" value="-5""#
        ),
        "{html}"
    );
    assert_eq!(on_account(&env, &number).await?, "100.00");

    // No amount and no "oldest first": asked to choose, nothing written.
    let none = finance
        .submit(&form, &[("invoice_0", "NEW-1"), ("amount_0", "")])
        .await?;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(testid(&none.text(), "invoices-error").contains("apply oldest due first"));
    assert_eq!(on_account(&env, &number).await?, "100.00");

    // 30 to NEW-2: the message says what was applied and what is left.
    let done = finance
        .submit(
            &form,
            &[
                ("invoice_0", "NEW-1"),
                ("amount_0", ""),
                ("invoice_1", "NEW-2"),
                ("amount_1", "30"),
                ("oldest_first", "1"),
            ],
        )
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.location(), "/receivables/payments");
    let list = finance.get("/receivables/payments").await?.text();
    assert!(
        list.contains(&format!(
            "Applied from the payment of Partner P1 (P1), {number}: ¥30.00 to NEW-2 ¥30.00; ¥70.00 stays on account."
        )),
        "{list}"
    );
    assert_eq!(on_account(&env, &number).await?, "70.00");

    // Oldest first: NEW-1 takes 60, NEW-2 the last 10.
    finance.get(&form).await?;
    let oldest = finance
        .submit(
            &form,
            &[
                ("invoice_0", "NEW-1"),
                ("amount_0", ""),
                ("oldest_first", "1"),
            ],
        )
        .await?;
    assert_eq!(oldest.status, StatusCode::SEE_OTHER, "{}", oldest.text());
    assert_eq!(on_account(&env, &number).await?, "0.00");
    let open = env.app.invoices(&env.system, Some("P1"), true).await?;
    assert_eq!(
        open.iter()
            .map(|i| (i.number.as_str(), i.open.as_str()))
            .collect::<Vec<_>>(),
        [("NEW-2", "40.00")]
    );
    Ok(())
}

#[tokio::test]
async fn money_on_account_is_applied_through_the_api_on_sqlite() -> Res {
    applied_through_the_api(Env::new("apply_api").await?).await
}

#[tokio::test]
async fn money_on_account_is_applied_through_the_api_on_postgres() -> Res {
    applied_through_the_api(Env::postgres("apply_api").await?).await
}

async fn applied_through_the_api(env: Env) -> Res {
    let number = kept_on_account(&env).await?;
    let path = format!("/api/v1/payments/{number}/allocations");
    let mut finance = env.api("finance").await?;

    // Refusals name the field and write nothing.
    let unknown = finance
        .post_json(
            &path,
            &json!({"allocations": [{"invoice": "NEW-9", "amount": "10"}]}),
            &[],
        )
        .await?;
    let problem = expect_problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert!(problem.to_string().contains("invoice_unknown"), "{problem}");
    let unreadable = finance
        .post_json(
            &path,
            &json!({"allocations": [{"invoice": "NEW-1", "amount": "ten"}]}),
            &[],
        )
        .await?;
    let problem = expect_problem(&unreadable, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert!(
        problem.to_string().contains("allocation_amount_unreadable"),
        "{problem}"
    );
    assert_eq!(on_account(&env, &number).await?, "100.00");
    let mut padmin = env.api("padmin").await?;
    expect_problem(
        &padmin.post_json(&path, &json!({}), &[]).await?,
        StatusCode::FORBIDDEN,
        "forbidden",
    )?;
    expect_problem(
        &finance
            .post_json(
                "/api/v1/payments/PAY-1999-000001/allocations",
                &json!({}),
                &[],
            )
            .await?,
        StatusCode::NOT_FOUND,
        "not-found",
    )?;

    // Named amounts, then oldest first among `pay`.
    let named = finance
        .post_json(
            &path,
            &json!({"allocations": [{"invoice": "NEW-2", "amount": "25.50"}]}),
            &[],
        )
        .await?;
    assert_eq!(named.status, StatusCode::OK, "{}", named.text());
    let view = named.json()?;
    assert_eq!(view["on_account"], json!("74.50"), "{view}");
    assert_eq!(
        view["allocations"],
        json!([{"invoice": "NEW-2", "amount": "25.50"}])
    );
    let rest = finance
        .post_json(&path, &json!({"pay": ["NEW-2"]}), &[])
        .await?;
    assert_eq!(rest.status, StatusCode::OK, "{}", rest.text());
    let view = rest.json()?;
    assert_eq!(view["on_account"], json!("20.00"), "{view}");
    // NEW-2 is paid; what is left pays NEW-1 oldest first.
    let last = finance.post_json(&path, &json!({}), &[]).await?;
    assert_eq!(last.json()?["on_account"], json!("0.00"));
    let empty = finance.post_json(&path, &json!({}), &[]).await?;
    let problem = expect_problem(&empty, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert!(
        problem.to_string().contains("nothing_on_account"),
        "{problem}"
    );
    Ok(())
}
