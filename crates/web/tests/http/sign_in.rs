#![allow(clippy::wildcard_imports)]

use super::*;

#[tokio::test]
async fn wrong_password_and_unknown_login_get_the_same_answer() -> Res {
    let env = Env::new("wrong_password").await?;
    let mut browser = env.browser();

    let wrong = browser.sign_in("rep", "not-the-password").await?;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("flash-error"), "{}", wrong.text());
    assert!(
        wrong.text().contains(r#"value="rep""#),
        "the login stays typed in"
    );
    let unknown = browser.sign_in("nobody", "not-the-password").await?;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.error_flash(), unknown.error_flash());
    assert_eq!(
        wrong.error_flash().as_deref(),
        Some("The login or password is wrong.")
    );

    // Still not signed in.
    let home = browser.get("/").await?;
    assert_eq!(
        (home.status, home.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    Ok(())
}

#[tokio::test]
async fn five_failures_lock_the_account() -> Res {
    let env = Env::new("lockout").await?;
    let mut browser = env.browser();
    for attempt in 1..=5 {
        let response = browser.sign_in("rep", "not-the-password").await?;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let locked = browser.sign_in("rep", PASSWORD).await?;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    let message = locked.error_flash().unwrap_or_default();
    assert!(message.contains("minutes"), "{message}");
    assert_eq!(
        browser.get("/").await?.status,
        StatusCode::SEE_OTHER,
        "not signed in"
    );
    // Other accounts are not affected.
    env.signed_in("manager").await?;
    Ok(())
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_loses_their_session() -> Res {
    let env = Env::new("disabled").await?;
    let mut browser = env.signed_in("finance").await?;
    let mut program = env.api("finance").await?;
    assert_eq!(browser.get("/partners").await?.status, StatusCode::OK);
    assert_eq!(program.get("/api/v1/me").await?.status, StatusCode::OK);

    env.app
        .set_user_status(&env.system, "finance", UserStatus::Disabled)
        .await?;

    let page = browser.get("/partners").await?;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/login"), "{}", page.location());
    // The session is gone for good, not just for one request.
    assert_eq!(browser.get("/account").await?.status, StatusCode::SEE_OTHER);
    let api = program.get("/api/v1/me").await?;
    assert_eq!(
        api.status,
        StatusCode::UNAUTHORIZED,
        "disabling revokes tokens"
    );

    let mut fresh = env.browser();
    let refused = fresh.sign_in("finance", PASSWORD).await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .error_flash()
            .unwrap_or_default()
            .contains("disabled"),
        "{}",
        refused.text()
    );
    assert_eq!(fresh.get("/").await?.status, StatusCode::SEE_OTHER);
    Ok(())
}

#[tokio::test]
async fn logout_ends_the_session() -> Res {
    let env = Env::new("logout").await?;
    let mut browser = env.signed_in("rep").await?;
    let mut stolen = browser.clone();
    assert_eq!(browser.get("/account").await?.status, StatusCode::OK);

    // Without the token, logging out is refused (and does not happen).
    let refused = browser.post_form("/logout", &[]).await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/account").await?.status, StatusCode::OK);

    let out = browser.submit("/logout", &[]).await?;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    let login = browser.get("/login").await?;
    assert!(
        login.text().contains("You have signed out."),
        "{}",
        login.text()
    );
    assert_eq!(browser.get("/account").await?.status, StatusCode::SEE_OTHER);
    // The old session cookie is worthless too.
    let replay = stolen.get("/account").await?;
    assert_eq!(replay.status, StatusCode::SEE_OTHER);
    assert!(replay.location().starts_with("/login"));
    assert_eq!(
        stolen.get("/api/v1/me").await?.status,
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

/// Sessions are saved only when they change, so one in use is renewed every
/// few minutes; otherwise a user at work all day would be signed out eight
/// hours after signing in.
#[tokio::test]
async fn a_session_in_use_is_renewed_but_not_written_on_every_view() -> Res {
    let env = Env::new("renewed").await?;
    let mut browser = env.signed_in("rep").await?;
    browser.get("/account").await?;
    let again = browser.get("/account").await?;
    assert!(
        again.headers.get(header::SET_COOKIE).is_none(),
        "a view right after the last renewal writes nothing"
    );

    // As if the last renewal were long ago: the next view writes the session
    // back (a new idle expiry for the row and the cookie), the one after not.
    env.raw("UPDATE sessions SET data = replace(data, '\"seen\":', '\"seen_before\":')")
        .await?;
    let later = browser.get("/account").await?;
    assert_eq!(later.status, StatusCode::OK, "still signed in");
    let cookie = later.headers.get(header::SET_COOKIE).map(|v| v.to_str());
    assert!(
        matches!(cookie, Some(Ok(c)) if c.contains("Max-Age=28800")),
        "{cookie:?}"
    );
    let next = browser.get("/account").await?;
    assert!(next.headers.get(header::SET_COOKIE).is_none());
    Ok(())
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() -> Res {
    let env = Env::new("password_change").await?;
    let mut here = env.signed_in("rep").await?;
    let mut elsewhere = env.signed_in("rep").await?;
    here.get("/account").await?;

    let mismatch = here
        .submit(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "new-password-2"),
                ("confirm_password", "other-password-3"),
            ],
        )
        .await?;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.text().contains("field-error"));
    let wrong_current = here
        .submit(
            "/account/password",
            &[
                ("current_password", "not-the-password"),
                ("new_password", "new-password-2"),
                ("confirm_password", "new-password-2"),
            ],
        )
        .await?;
    assert_eq!(wrong_current.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        elsewhere.get("/account").await?.status,
        StatusCode::OK,
        "nothing changed yet"
    );

    let changed = here
        .submit(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "new-password-2"),
                ("confirm_password", "new-password-2"),
            ],
        )
        .await?;
    assert_eq!(
        (changed.status, changed.location()),
        (StatusCode::SEE_OTHER, "/account")
    );
    let account = here.get("/account").await?;
    assert_eq!(account.status, StatusCode::OK, "this session goes on");
    assert!(account.text().contains("flash-success"));
    let other = elsewhere.get("/account").await?;
    assert_eq!(
        other.status,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert!(other.location().starts_with("/login"));

    assert_eq!(
        env.browser().sign_in("rep", PASSWORD).await?.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        env.browser().sign_in("rep", "new-password-2").await?.status,
        StatusCode::SEE_OTHER
    );
    Ok(())
}

#[tokio::test]
async fn state_changes_from_a_browser_need_the_csrf_token() -> Res {
    let env = Env::new("csrf").await?;
    let before = env.partner_count().await?;
    let mut browser = env.signed_in("manager").await?;
    browser.get("/partners/new").await?;
    let partner = [
        ("code", "CSRF1"),
        ("name", "Forged"),
        ("partner_type", "agent"),
    ];

    let missing = browser.post_form("/partners", &partner).await?;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.content_type().starts_with("text/html"));
    let mut forged = vec![("_csrf", "0000")];
    forged.extend_from_slice(&partner);
    let wrong = browser.post_form("/partners", &forged).await?;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // A token in a header that is wrong does not count either.
    let header = browser
        .send(
            Method::POST,
            "/partners",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-csrf-token", "0000"),
            ],
            serde_urlencoded::to_string(partner)?.into_bytes(),
        )
        .await?;
    assert_eq!(header.status, StatusCode::FORBIDDEN);
    assert_eq!(env.partner_count().await?, before, "nothing was created");

    // Signing in needs the login page's token too (login CSRF).
    let mut stranger = env.browser();
    let no_session = stranger
        .post_form("/login", &[("login", "manager"), ("password", PASSWORD)])
        .await?;
    assert_eq!(no_session.status, StatusCode::FORBIDDEN);
    stranger.get("/login").await?;
    let no_token = stranger
        .post_form("/login", &[("login", "manager"), ("password", PASSWORD)])
        .await?;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(
        stranger.get("/").await?.status,
        StatusCode::SEE_OTHER,
        "not signed in"
    );

    // The API from a browser session: the token goes in X-CSRF-Token.
    let body = json!({ "code": "CSRF2", "name": "Forged", "partner_type": "agent" });
    let no_header = browser.post_json("/api/v1/partners", &body, &[]).await?;
    assert_eq!(no_header.status, StatusCode::FORBIDDEN);
    assert_eq!(no_header.content_type(), PROBLEM_JSON);
    assert_eq!(no_header.json()?["type"], json!("urn:qudao:problem:csrf"));
    let wrong_header = browser
        .post_json("/api/v1/partners", &body, &[("x-csrf-token", "0000")])
        .await?;
    assert_eq!(wrong_header.status, StatusCode::FORBIDDEN);
    assert_eq!(env.partner_count().await?, before, "nothing was created");

    let with_header = browser
        .post_json_from_page("/api/v1/partners", &body)
        .await?;
    assert_eq!(
        with_header.status,
        StatusCode::CREATED,
        "{}",
        with_header.text()
    );

    // A bearer token carries no ambient credentials: no CSRF token needed.
    let mut program = env.api("admin").await?;
    let created = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "CSRF3", "name": "Token", "partner_type": "agent" }),
            &[],
        )
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()?["code"], json!("CSRF3"));
    assert_eq!(env.partner_count().await?, before + 2);
    Ok(())
}

#[tokio::test]
async fn an_attacker_locks_only_their_own_address_and_the_audit_names_the_client() -> Res {
    let env = Env::new("throttle_address").await?;
    let mut attacker = env.browser_at("203.0.113.9:40000");
    for _ in 0..5 {
        let response = attacker.sign_in("rep", "not-the-password").await?;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
    let locked = attacker.sign_in("rep", PASSWORD).await?;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);

    let mut owner = env.browser_at("198.51.100.7:51000");
    owner.get("/login").await?;
    let signed = owner
        .send(
            Method::POST,
            "/login",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("user-agent", "Mozilla/5.0 (owner)"),
            ],
            serde_urlencoded::to_string([
                ("_csrf", owner.csrf.as_str()),
                ("login", "rep"),
                ("password", PASSWORD),
            ])?
            .into_bytes(),
        )
        .await?;
    assert_eq!(signed.location(), "/", "the owner elsewhere signs in");

    let log = env
        .app
        .list_audit(
            &env.system,
            &qudao_app::audit::Filter {
                entity_key: Some("rep".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await?;
    let first = &log.items[0];
    assert_eq!(
        (
            first.action.as_str(),
            first.client_address.as_deref(),
            first.user_agent.as_deref()
        ),
        ("login", Some("198.51.100.7"), Some("Mozilla/5.0 (owner)"))
    );
    assert_eq!(log.items[1].client_address.as_deref(), Some("203.0.113.9"));
    assert_eq!(log.items[1].action, "login_locked");
    Ok(())
}

#[tokio::test]
async fn the_forwarded_address_counts_only_when_trusted() -> Res {
    let env = Env::new("forwarded_for").await?;
    let forged = [("x-forwarded-for", "192.0.2.77")];
    let record = async |router: Router| -> Res<Option<String>> {
        let mut client = Client {
            router,
            ..env.browser_at("10.0.0.5:1234")
        };
        client.get("/login").await?;
        client
            .send(
                Method::POST,
                "/login",
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    forged[0],
                ],
                serde_urlencoded::to_string([
                    ("_csrf", client.csrf.as_str()),
                    ("login", "finance"),
                    ("password", PASSWORD),
                ])?
                .into_bytes(),
            )
            .await?;
        let log = env
            .app
            .list_audit(
                &env.system,
                &qudao_app::audit::Filter {
                    action: Some("login".into()),
                    ..Default::default()
                },
                PageRequest::export(),
            )
            .await?;
        Ok(log.items[0].client_address.clone())
    };
    assert_eq!(
        record(env.router.clone()).await?.as_deref(),
        Some("10.0.0.5"),
        "by default the socket decides"
    );
    let behind_proxy = qudao_web::router(
        env.app.clone(),
        &qudao_web::WebConfig {
            trust_forwarded_for: true,
            ..Default::default()
        },
    );
    assert_eq!(record(behind_proxy).await?.as_deref(), Some("192.0.2.77"));
    Ok(())
}
