//! OAuth: refresh rotation, bad client, bad password, login rate limit.
//! In-process (`TestApp`): no restart or second host needed; queued jobs run when the test
//! waits for them.

use crate::common::*;

async fn oauth(backend: Backend) {
    // login_max = 6: this test makes exactly 6 password-grant attempts before the refused one.
    let t = TestApp::start_with(backend, "[rates_limit]\nlogin_max = 6\n").await;
    let (cid, secret) = t.oauth_client().await;

    // 1: a good login.
    let first = t.login("root", ROOT_PW).await;
    assert_eq!(first["token_type"], "Bearer");
    let access = first["access_token"].as_str().expect("access").to_string();
    let refresh = first["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    assert!(first["expires_in"].as_i64().unwrap_or(0) > 0);
    assert_eq!(t.me(&access).await["username"], "root");

    // Refresh: new tokens, which work; the old refresh token cannot be reused.
    let r = t
        .token_request(&[
            ("client_id", &cid),
            ("client_secret", &secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
        ])
        .await;
    assert_eq!(r.status(), 200);
    let second: serde_json::Value = r.json().await.expect("json");
    let access2 = second["access_token"].as_str().expect("access").to_string();
    let refresh2 = second["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    assert_ne!(access2, access);
    assert_ne!(refresh2, refresh);
    assert_eq!(t.me(&access2).await["username"], "root");
    let r = t
        .get("/api/v1/users/me", Some(&access))
        .send()
        .await
        .expect("me");
    assert_problem(r, 401, "access token of a refreshed pair").await;
    let r = t
        .token_request(&[
            ("client_id", &cid),
            ("client_secret", &secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
        ])
        .await;
    let p = assert_problem(r, 400, "reused refresh token").await;
    assert_eq!(p["code"], "invalid_grant", "{p}");
    // The rotated one still works once (and replaces the pair it belongs to).
    let r = t
        .token_request(&[
            ("client_id", &cid),
            ("client_secret", &secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
        ])
        .await;
    assert_eq!(r.status(), 200);
    let third: serde_json::Value = r.json().await.expect("json");
    let access3 = third["access_token"].as_str().expect("access").to_string();
    assert_eq!(t.me(&access3).await["username"], "root");

    // Bad client (not counted by the limiter: refused before the grant).
    for (id, sec) in [(cid.as_str(), "wrong-secret"), ("nope", secret.as_str())] {
        let r = t
            .token_request(&[
                ("client_id", id),
                ("client_secret", sec),
                ("grant_type", "password"),
                ("username", "root"),
                ("password", ROOT_PW),
            ])
            .await;
        let p = assert_problem(r, 400, "bad client").await;
        assert_eq!(p["code"], "invalid_client", "{p}");
    }
    let r = t
        .token_request(&[("grant_type", "password"), ("username", "root")])
        .await;
    let p = assert_problem(r, 400, "no client").await;
    assert_eq!(p["code"], "invalid_client", "{p}");
    let r = t
        .token_request(&[
            ("client_id", &cid),
            ("client_secret", &secret),
            ("grant_type", "client_credentials"),
        ])
        .await;
    let p = assert_problem(r, 400, "unsupported grant").await;
    assert_eq!(p["code"], "unsupported_grant_type", "{p}");

    // 2, 3: bad password, unknown user.
    for (user, pw) in [("root", "wrong-password"), ("ghost", "whatever-pw")] {
        let r = t
            .token_request(&[
                ("client_id", &cid),
                ("client_secret", &secret),
                ("grant_type", "password"),
                ("username", user),
                ("password", pw),
            ])
            .await;
        let p = assert_problem(r, 400, "bad credentials").await;
        assert_eq!(p["code"], "invalid_grant", "{p}");
    }

    // Revoked access token is refused; its refresh token too.
    let third = t.login("root", ROOT_PW).await; // 4
    let a3 = third["access_token"].as_str().expect("access").to_string();
    let rf3 = third["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    let r = t
        .client
        .post(t.api("/api/v1/users/revoke-token"))
        .bearer_auth(&a3)
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 200);
    let r = t
        .get("/api/v1/users/me", Some(&a3))
        .send()
        .await
        .expect("me");
    assert_problem(r, 401, "revoked access token").await;
    let r = t
        .token_request(&[
            ("client_id", &cid),
            ("client_secret", &secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rf3),
        ])
        .await;
    assert_problem(r, 400, "refresh token of a revoked pair").await;

    // 5, 6 within the limit, then 429 with Retry-After, even with the right password.
    t.login("root", ROOT_PW).await;
    t.login("root", ROOT_PW).await;
    let r = t
        .token_request(&[
            ("client_id", &cid),
            ("client_secret", &secret),
            ("grant_type", "password"),
            ("username", "root"),
            ("password", ROOT_PW),
        ])
        .await;
    let retry = header(&r, "retry-after");
    assert_problem(r, 429, "login rate limit").await;
    let retry: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=300).contains(&retry), "Retry-After {retry}");
    // Existing tokens keep working while logins are limited.
    assert_eq!(t.me(&access3).await["username"], "root");
}

async fn login_rate_limit(backend: Backend) {
    // The brief's setting: the 4th attempt within the window is refused.
    let t = TestApp::start_with(backend, "[rates_limit]\nlogin_max = 3\n").await;
    let (cid, secret) = t.oauth_client().await;
    for i in 0..3 {
        let r = t
            .token_request(&[
                ("client_id", &cid),
                ("client_secret", &secret),
                ("grant_type", "password"),
                ("username", "root"),
                ("password", if i == 1 { "bad-password" } else { ROOT_PW }),
            ])
            .await;
        assert_ne!(r.status(), 429, "attempt {} limited", i + 1);
    }
    let r = t
        .token_request(&[
            ("client_id", &cid),
            ("client_secret", &secret),
            ("grant_type", "password"),
            ("username", "root"),
            ("password", ROOT_PW),
        ])
        .await;
    assert_problem(r, 429, "4th login attempt").await;
}

on_both_backends!(oauth, login_rate_limit);
