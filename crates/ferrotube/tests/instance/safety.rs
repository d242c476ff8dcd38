//! Account safety over HTTP: registration with approval, TOTP two-factor sign-in, token
//! sessions and password-protected videos. Each refusal is checked to change nothing.

use crate::common::*;
use serde_json::{json, Value};

const OTP_HEADER: &str = "x-peertube-otp";
const VIDEO_PASSWORD: &str = "x-peertube-video-password";

async fn post_json(t: &TestApp, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut r = t.client.post(t.api(path)).json(&body);
    if let Some(tok) = token {
        r = r.bearer_auth(tok);
    }
    r.send().await.expect("post")
}

/// The password grant with extra headers (User-Agent, OTP code).
async fn login_with(
    t: &TestApp,
    user: &str,
    pw: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let (id, secret) = t.oauth_client().await;
    let mut r = t.client.post(t.api("/api/v1/users/token")).form(&[
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("grant_type", "password"),
        ("username", user),
        ("password", pw),
    ]);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().await.expect("token request")
}

async fn access_token(r: reqwest::Response) -> String {
    let status = r.status();
    let text = r.text().await.expect("body");
    assert_eq!(status, 200, "login: {text}");
    let v: Value = serde_json::from_str(&text).expect("json");
    v["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

// ------------------------------------------------------------------ registrations

async fn registration_with_approval(backend: Backend) {
    let t = TestApp::start_with(
        backend,
        "[signup]\nenabled = true\nlimit = -1\nrequires_approval = true\n",
    )
    .await;
    let root = t.root_token().await;
    let config = t.get_json("/api/v1/config", None).await;
    assert_eq!(
        config["signup"]["requiresApproval"], true,
        "{}",
        config["signup"]
    );

    // A direct sign-up is refused: it must be a request.
    let r = post_json(
        &t,
        "/api/v1/users/register",
        None,
        json!({"username": "alice", "password": "alice-password", "email": "alice@example.com"}),
    )
    .await;
    assert_problem(r, 403, "register while approval is required").await;

    // A request needs a reason.
    let r = post_json(
        &t,
        "/api/v1/users/registrations/request",
        None,
        json!({"username": "alice", "password": "alice-password", "email": "alice@example.com"}),
    )
    .await;
    assert_problem(r, 400, "request without a reason").await;

    let r = post_json(
        &t,
        "/api/v1/users/registrations/request",
        None,
        json!({
            "username": "alice", "password": "alice-password", "email": "alice@example.com",
            "displayName": "Alice", "registrationReason": "I film birds",
            "channel": {"name": "alice_birds", "displayName": "Birds"}
        }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let alice_req: Value = r.json().await.expect("json");
    assert_eq!(alice_req["state"]["id"], 1, "{alice_req}");
    assert_eq!(alice_req["state"]["label"], "Pending");
    assert_eq!(alice_req["username"], "alice");
    assert_eq!(alice_req["channelHandle"], "alice_birds");
    assert_eq!(alice_req["user"], Value::Null);
    let alice_reg = alice_req["id"].as_i64().expect("id");

    // The same names again: 409. A pending account cannot sign in yet.
    let r = post_json(
        &t,
        "/api/v1/users/registrations/request",
        None,
        json!({"username": "alice", "password": "alice-password", "email": "other@example.com", "registrationReason": "again"}),
    )
    .await;
    assert_problem(r, 409, "duplicate request").await;
    let p = assert_problem(
        login_with(&t, "alice", "alice-password", &[]).await,
        400,
        "pending login",
    )
    .await;
    assert_eq!(p["code"], "account_waiting_for_approval", "{p}");

    let r = post_json(
        &t,
        "/api/v1/users/registrations/request",
        None,
        json!({"username": "bob", "password": "bob-password", "email": "bob@example.com", "registrationReason": "hello"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let bob_reg = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");

    // A plain user manages no registrations; nothing changes.
    t.create_user(&root, "carol", "carol-password", 2, None)
        .await;
    let carol = t.token("carol", "carol-password").await;
    let r = t
        .get("/api/v1/users/registrations", Some(&carol))
        .send()
        .await
        .expect("list");
    assert_problem(r, 403, "user listing registrations").await;
    let r = post_json(
        &t,
        &format!("/api/v1/users/registrations/{alice_reg}/accept"),
        Some(&carol),
        json!({"moderationResponse": "welcome"}),
    )
    .await;
    assert_problem(r, 403, "user accepting").await;

    // A moderator lists, searches and filters.
    t.create_user(&root, "mod", "mod-password", 1, None).await;
    let moderator = t.token("mod", "mod-password").await;
    let all = t
        .get_json("/api/v1/users/registrations", Some(&moderator))
        .await;
    assert_eq!(all["total"], 2, "{all}");
    assert_eq!(all["data"][0]["username"], "bob", "newest first: {all}");
    let found = t
        .get_json("/api/v1/users/registrations?search=ALI", Some(&moderator))
        .await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["data"][0]["username"], "alice");
    let r = t
        .get("/api/v1/users/registrations?sort=nope", Some(&moderator))
        .send()
        .await
        .expect("list");
    assert_problem(r, 400, "bad sort").await;

    // Accepting needs a response; then the user exists with the channel asked for.
    let r = post_json(
        &t,
        &format!("/api/v1/users/registrations/{alice_reg}/accept"),
        Some(&moderator),
        json!({}),
    )
    .await;
    assert_problem(r, 400, "accept without moderationResponse").await;
    assert!(t.try_login("alice", "alice-password").await.is_err());
    let r = post_json(
        &t,
        &format!("/api/v1/users/registrations/{alice_reg}/accept"),
        Some(&moderator),
        json!({"moderationResponse": "Welcome!", "preventEmailDelivery": true}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let alice = t.token("alice", "alice-password").await;
    let me = t.me(&alice).await;
    assert_eq!(me["videoChannels"][0]["name"], "alice_birds", "{me}");
    assert_eq!(me["account"]["displayName"], "Alice");
    let r = post_json(
        &t,
        &format!("/api/v1/users/registrations/{alice_reg}/accept"),
        Some(&moderator),
        json!({"moderationResponse": "twice"}),
    )
    .await;
    assert_problem(r, 409, "accept twice").await;
    let accepted = t
        .get_json("/api/v1/users/registrations?stateOneOf=3", Some(&moderator))
        .await;
    assert_eq!(accepted["total"], 1, "{accepted}");
    assert_eq!(accepted["data"][0]["user"]["id"], me["id"]);
    assert_eq!(accepted["data"][0]["moderationResponse"], "Welcome!");

    // Rejected: the sign-in says so; then the request can be deleted (once).
    let r = post_json(
        &t,
        &format!("/api/v1/users/registrations/{bob_reg}/reject"),
        Some(&moderator),
        json!({"moderationResponse": "No thanks"}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let p = assert_problem(
        login_with(&t, "bob", "bob-password", &[]).await,
        400,
        "rejected login",
    )
    .await;
    assert_eq!(p["code"], "account_approval_rejected", "{p}");
    let del = |id: i64| {
        t.client
            .delete(t.api(&format!("/api/v1/users/registrations/{id}")))
            .bearer_auth(&moderator)
            .send()
    };
    assert_eq!(del(bob_reg).await.expect("delete").status(), 204);
    assert_problem(del(bob_reg).await.expect("delete"), 404, "delete twice").await;
    let all = t.get_json("/api/v1/users/registrations", Some(&root)).await;
    assert_eq!(all["total"], 1, "{all}");
}

on_both_backends!(registration_with_approval);

// ------------------------------------------------------------------ two-factor

fn code_for(secret: &str, step_offset: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_string())
        .to_bytes()
        .expect("base32 secret");
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        0,
        30,
        bytes,
        None,
        String::new(),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    totp.generate((now + step_offset * 30) as u64)
}

async fn two_factor(backend: Backend) {
    let t = TestApp::start_with(
        backend,
        "[secrets]\npeertube = \"a-long-instance-secret\"\n",
    )
    .await;
    let root = t.root_token().await;
    let alice_id = t
        .create_user(&root, "alice", "alice-password", 2, None)
        .await;
    t.create_user(&root, "bob", "bob-password", 2, None).await;
    t.create_user(&root, "mod", "mod-password", 1, None).await;
    let alice = t.token("alice", "alice-password").await;
    let bob = t.token("bob", "bob-password").await;
    let moderator = t.token("mod", "mod-password").await;
    assert_eq!(t.me(&alice).await["twoFactorEnabled"], false);
    let base = format!("/api/v1/users/{alice_id}/two-factor");

    // The current password is required and checked.
    let r = post_json(&t, &format!("{base}/request"), Some(&alice), json!({})).await;
    assert_problem(r, 400, "request without currentPassword").await;
    let r = post_json(
        &t,
        &format!("{base}/request"),
        Some(&alice),
        json!({"currentPassword": "wrong-password"}),
    )
    .await;
    assert_problem(r, 401, "request with a wrong password").await;

    let r = post_json(
        &t,
        &format!("{base}/request"),
        Some(&alice),
        json!({"currentPassword": "alice-password"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let req: Value = r.json().await.expect("json");
    let secret = req["otpRequest"]["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let request_token = req["otpRequest"]["requestToken"]
        .as_str()
        .expect("requestToken")
        .to_string();
    let uri = req["otpRequest"]["uri"].as_str().expect("uri");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");

    // Wrong code, wrong request token: 403 and still disabled.
    let r = post_json(
        &t,
        &format!("{base}/confirm-request"),
        Some(&alice),
        json!({"requestToken": request_token, "otpToken": "000000"}),
    )
    .await;
    let wrong = if code_for(&secret, 0) == "000000" {
        204
    } else {
        403
    };
    assert_eq!(r.status(), wrong);
    let r = post_json(
        &t,
        &format!("{base}/confirm-request"),
        Some(&alice),
        json!({"requestToken": "nope", "otpToken": code_for(&secret, 0)}),
    )
    .await;
    assert_problem(r, 403, "bad request token").await;
    assert_eq!(t.me(&alice).await["twoFactorEnabled"], false);

    let r = post_json(
        &t,
        &format!("{base}/confirm-request"),
        Some(&alice),
        json!({"requestToken": request_token, "otpToken": code_for(&secret, 0)}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let me = t.me(&alice).await;
    assert_eq!(me["twoFactorEnabled"], true);
    let stored = t
        .instance
        .db
        .otp_secret(alice_id)
        .await
        .expect("otp_secret")
        .expect("a stored secret");
    assert!(
        stored.starts_with("v1:") && !stored.contains(&secret),
        "encrypted at rest: {stored}"
    );
    assert!(
        !me.to_string().contains(&secret),
        "the secret is never shown again"
    );
    let r = post_json(
        &t,
        &format!("{base}/request"),
        Some(&alice),
        json!({"currentPassword": "alice-password"}),
    )
    .await;
    assert_problem(r, 400, "request while enabled").await;

    // Sign-in: no code, a wrong code, the right code, the same code again.
    let r = login_with(&t, "alice", "alice-password", &[]).await;
    assert_eq!(header(&r, OTP_HEADER).as_deref(), Some("required; app"));
    let p = assert_problem(r, 401, "login without a code").await;
    assert_eq!(p["code"], "missing_two_factor", "{p}");
    let wrong_code = if code_for(&secret, 0) == "123456" {
        "654321"
    } else {
        "123456"
    };
    let p = assert_problem(
        login_with(&t, "alice", "alice-password", &[(OTP_HEADER, wrong_code)]).await,
        400,
        "wrong code",
    )
    .await;
    assert_eq!(p["code"], "invalid_two_factor", "{p}");
    let code = code_for(&secret, 0);
    access_token(login_with(&t, "alice", "alice-password", &[(OTP_HEADER, &code)]).await).await;
    let p = assert_problem(
        login_with(&t, "alice", "alice-password", &[(OTP_HEADER, &code)]).await,
        400,
        "replayed code",
    )
    .await;
    assert_eq!(p["code"], "invalid_two_factor", "{p}");

    // Others: a plain user cannot disable it, a moderator cannot touch an admin's setting.
    let r = post_json(
        &t,
        &format!("{base}/disable"),
        Some(&bob),
        json!({"currentPassword": "bob-password"}),
    )
    .await;
    assert_problem(r, 403, "user disabling another's 2FA").await;
    let root_id = t.me(&root).await["id"].as_i64().expect("id");
    let r = post_json(
        &t,
        &format!("/api/v1/users/{root_id}/two-factor/request"),
        Some(&moderator),
        json!({}),
    )
    .await;
    assert_problem(r, 403, "moderator acting on an admin").await;
    assert_eq!(t.me(&alice).await["twoFactorEnabled"], true);

    let r = post_json(
        &t,
        &format!("{base}/disable"),
        Some(&alice),
        json!({"currentPassword": "alice-password"}),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(t.me(&alice).await["twoFactorEnabled"], false);
    access_token(login_with(&t, "alice", "alice-password", &[]).await).await;
    let r = post_json(
        &t,
        &format!("{base}/disable"),
        Some(&alice),
        json!({"currentPassword": "alice-password"}),
    )
    .await;
    assert_problem(r, 400, "disable twice").await;
}

on_both_backends!(two_factor);

// ------------------------------------------------------------------ token sessions

async fn token_sessions(backend: Backend) {
    let t = TestApp::start(backend).await;
    let root = t.root_token().await;
    let alice_id = t
        .create_user(&root, "alice", "alice-password", 2, None)
        .await;
    t.create_user(&root, "bob", "bob-password", 2, None).await;
    t.create_user(&root, "mod", "mod-password", 1, None).await;
    let laptop = access_token(
        login_with(
            &t,
            "alice",
            "alice-password",
            &[("User-Agent", "Laptop/1.0")],
        )
        .await,
    )
    .await;
    let phone = access_token(
        login_with(
            &t,
            "alice",
            "alice-password",
            &[("User-Agent", "Phone/2.0")],
        )
        .await,
    )
    .await;
    let bob = t.token("bob", "bob-password").await;
    let moderator = t.token("mod", "mod-password").await;
    let path = format!("/api/v1/users/{alice_id}/token-sessions");

    let list = t.get_json(&path, Some(&laptop)).await;
    assert_eq!(list["total"], 2, "{list}");
    let data = list["data"].as_array().expect("data");
    let current: Vec<&Value> = data
        .iter()
        .filter(|s| s["currentSession"] == true)
        .collect();
    assert_eq!(current.len(), 1, "{list}");
    assert_eq!(current[0]["loginDevice"], "Laptop/1.0");
    assert_eq!(current[0]["loginIP"], "127.0.0.1");
    let phone_session = data
        .iter()
        .find(|s| s["loginDevice"] == "Phone/2.0")
        .expect("the phone's session");
    let phone_id = phone_session["id"].as_i64().expect("id");

    // Another plain user, or a moderator on an admin: refused.
    let r = t.get(&path, Some(&bob)).send().await.expect("list");
    assert_problem(r, 403, "user listing another's sessions").await;
    let root_id = t.me(&root).await["id"].as_i64().expect("id");
    let r = t
        .get(
            &format!("/api/v1/users/{root_id}/token-sessions"),
            Some(&moderator),
        )
        .send()
        .await
        .expect("list");
    assert_problem(r, 403, "moderator listing an admin's sessions").await;
    let r = post_json(
        &t,
        &format!("{path}/{phone_id}/revoke"),
        Some(&bob),
        json!({}),
    )
    .await;
    assert_problem(r, 403, "user revoking another's session").await;
    assert_eq!(t.get_json(&path, Some(&root)).await["total"], 2);

    // Revoked: that token answers 401, the other still works.
    let r = post_json(
        &t,
        &format!("{path}/{phone_id}/revoke"),
        Some(&laptop),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        json!({"success": true})
    );
    let r = t
        .get("/api/v1/users/me", Some(&phone))
        .send()
        .await
        .expect("me");
    assert_problem(r, 401, "revoked token").await;
    assert_eq!(t.me(&laptop).await["username"], "alice");
    let r = post_json(
        &t,
        &format!("{path}/{phone_id}/revoke"),
        Some(&laptop),
        json!({}),
    )
    .await;
    assert_problem(r, 404, "revoke twice").await;
    let list = t.get_json(&path, Some(&root)).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(
        list["data"][0]["currentSession"], false,
        "root's token is not alice's"
    );

    // A refresh keeps where the session was opened and records where it is used now.
    let r = login_with(&t, "alice", "alice-password", &[("User-Agent", "Desk/1.0")]).await;
    let desk: Value = r.json().await.expect("json");
    let (id, secret) = t.oauth_client().await;
    let r = t
        .client
        .post(t.api("/api/v1/users/token"))
        .header("User-Agent", "Tablet/3.0")
        .form(&[
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                desk["refresh_token"].as_str().expect("refresh"),
            ),
        ])
        .send()
        .await
        .expect("refresh");
    let refreshed = access_token(r).await;
    let list = t.get_json(&path, Some(&refreshed)).await;
    assert_eq!(
        list["total"], 2,
        "the refreshed token replaced its session: {list}"
    );
    let current = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|s| s["currentSession"] == true)
        .expect("current session")
        .clone();
    assert_eq!(current["loginDevice"], "Desk/1.0", "{current}");
    assert_eq!(current["lastActivityDevice"], "Tablet/3.0", "{current}");
}

on_both_backends!(token_sessions);

// ------------------------------------------------------------------ video passwords

async fn video_passwords(backend: Backend) {
    let t = TestApp::start_with(
        backend,
        "[transcoding]\nresolutions = [144]\n[rates_limit]\nvideo_password_max = 4\n",
    )
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "p.mp4", 2, 320, 240);
    let root = t.root_token().await;
    t.create_user(&root, "alice", "alice-password", 2, None)
        .await;
    t.create_user(&root, "bob", "bob-password", 2, None).await;
    let alice = t.token("alice", "alice-password").await;
    let bob = t.token("bob", "bob-password").await;
    let channel = t.channel_id(&alice).await;

    // Privacy 5 needs passwords.
    let r = t
        .legacy_upload(
            &alice,
            &clip,
            &[
                ("name", "no passwords".to_string()),
                ("channelId", channel.to_string()),
                ("privacy", "5".to_string()),
            ],
        )
        .await;
    assert_problem(r, 400, "privacy 5 without passwords").await;
    assert_eq!(t.my_videos_total(&alice).await, 0);

    let r = t
        .legacy_upload(
            &alice,
            &clip,
            &[
                ("name", "secret birds".to_string()),
                ("channelId", channel.to_string()),
                ("privacy", "5".to_string()),
                ("videoPasswords[]", "first-pass".to_string()),
                ("videoPasswords[]", "second-pass".to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let uuid = r.json::<Value>().await.expect("json")["video"]["uuid"]
        .as_str()
        .expect("uuid")
        .to_string();
    let v = t.wait_published(&uuid, Some(&alice)).await;
    assert_eq!(v["privacy"]["id"], 5, "{}", v["privacy"]);
    let video = format!("/api/v1/videos/{uuid}");
    let with_password =
        |token: Option<&str>, pw: &str| t.get(&video, token).header(VIDEO_PASSWORD, pw).send();

    // Not listed; the owner and moderators read it without a password.
    let list = t.get_json("/api/v1/videos", None).await;
    assert!(!list.to_string().contains(&uuid), "listed: {list}");
    let found = t
        .get_json("/api/v1/search/videos?search=secret", None)
        .await;
    assert!(!found.to_string().contains(&uuid), "found: {found}");
    // Not federated (PeerTube federates public and unlisted videos only): no AP object.
    let r = t
        .get(&format!("/videos/watch/{uuid}"), None)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("ap object");
    assert_eq!(r.status(), 404);
    assert_eq!(
        t.get(&video, Some(&root))
            .send()
            .await
            .expect("get")
            .status(),
        200
    );

    // Anyone else needs the password: 401 anonymous, 403 signed in, 403 for a wrong one.
    let p = assert_problem(
        t.get(&video, None).send().await.expect("get"),
        401,
        "anonymous",
    )
    .await;
    assert_eq!(p["code"], "video_requires_password", "{p}");
    let p = assert_problem(
        t.get(&video, Some(&bob)).send().await.expect("get"),
        403,
        "bob",
    )
    .await;
    assert_eq!(p["code"], "video_requires_password", "{p}");
    let p = assert_problem(
        with_password(None, "wrong-pass").await.expect("get"),
        403,
        "wrong password",
    )
    .await;
    assert_eq!(p["code"], "incorrect_video_password", "{p}");
    let r = with_password(None, "second-pass").await.expect("get");
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.expect("json");
    assert_eq!(answer["uuid"], uuid.as_str());
    // The read with a password is not cached for those without one.
    assert_eq!(t.get(&video, None).send().await.expect("get").status(), 401);

    // Its files and captions go through the same check.
    let playlist = answer["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("playlistUrl")
        .to_string();
    assert_eq!(
        t.get(&playlist, None).send().await.expect("hls").status(),
        401
    );
    let r = t
        .get(&playlist, None)
        .header(VIDEO_PASSWORD, "first-pass")
        .send()
        .await
        .expect("hls");
    assert_eq!(r.status(), 200);
    let r = t
        .get(&format!("{video}/captions"), None)
        .header(VIDEO_PASSWORD, "first-pass")
        .send()
        .await
        .expect("captions");
    assert_eq!(r.status(), 200);
    for read in ["description", "chapters", "storyboards"] {
        let path = format!("{video}/{read}");
        assert_eq!(
            t.get(&path, None).send().await.expect(read).status(),
            401,
            "{read}"
        );
        let r = t
            .get(&path, None)
            .header(VIDEO_PASSWORD, "second-pass")
            .send()
            .await
            .expect(read);
        assert_eq!(r.status(), 200, "{read} with the password");
    }

    // The list of passwords: the owner only.
    let pw_path = format!("{video}/passwords");
    let list = t.get_json(&pw_path, Some(&alice)).await;
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["data"][0]["password"], "first-pass");
    let r = t.get(&pw_path, Some(&bob)).send().await.expect("list");
    assert_problem(r, 403, "bob reading the passwords").await;
    let r = t
        .client
        .put(t.api(&pw_path))
        .bearer_auth(&bob)
        .json(&json!({"passwords": ["bob-pass"]}))
        .send()
        .await
        .expect("put");
    assert_problem(r, 403, "bob replacing the passwords").await;
    let r = t
        .client
        .put(t.api(&pw_path))
        .bearer_auth(&alice)
        .json(&json!({"passwords": ["same", "same"]}))
        .send()
        .await
        .expect("put");
    assert_problem(r, 400, "duplicate passwords").await;
    assert_eq!(t.get_json(&pw_path, Some(&alice)).await["total"], 2);

    let r = t
        .client
        .put(t.api(&pw_path))
        .bearer_auth(&alice)
        .json(&json!({"passwords": ["new-pass"]}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 204);
    let r = post_json(
        &t,
        &pw_path,
        Some(&alice),
        json!({"password": "added-pass"}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let list = t.get_json(&pw_path, Some(&alice)).await;
    assert_eq!(list["total"], 2, "{list}");
    let new_id = list["data"][0]["id"].as_i64().expect("id");
    let added_id = list["data"][1]["id"].as_i64().expect("id");
    let delete = |id: i64| {
        t.client
            .delete(t.api(&format!("{pw_path}/{id}")))
            .bearer_auth(&alice)
            .send()
    };
    assert_eq!(delete(new_id).await.expect("delete").status(), 204);
    assert_problem(
        delete(added_id).await.expect("delete"),
        400,
        "the last password",
    )
    .await;
    assert_eq!(
        with_password(None, "added-pass")
            .await
            .expect("get")
            .status(),
        200
    );

    // Brute force: wrong passwords from one address end in 429, then even the right one waits.
    // Two wrong ones so far ("wrong-pass" above; "first-pass" is gone now).
    assert_eq!(
        with_password(None, "first-pass")
            .await
            .expect("get")
            .status(),
        403
    );
    assert_eq!(
        with_password(None, "guess-3").await.expect("get").status(),
        403
    );
    assert_eq!(
        with_password(None, "guess-4").await.expect("get").status(),
        403
    );
    let r = with_password(None, "guess-5").await.expect("get");
    assert!(header(&r, "retry-after").is_some());
    assert_problem(r, 429, "too many wrong passwords").await;
    assert_problem(
        with_password(None, "added-pass").await.expect("get"),
        429,
        "right password while limited",
    )
    .await;
    // The owner is not limited.
    assert_eq!(
        t.get(&video, Some(&alice))
            .send()
            .await
            .expect("get")
            .status(),
        200
    );

    // Public again: the passwords go.
    let r = t
        .client
        .put(t.api(&video))
        .bearer_auth(&alice)
        .json(&json!({"privacy": 1}))
        .send()
        .await
        .expect("update");
    assert_eq!(r.status(), 204);
    let r = t.get(&pw_path, Some(&alice)).send().await.expect("list");
    assert_problem(r, 400, "not password protected").await;
    assert_eq!(t.get(&video, None).send().await.expect("get").status(), 200);
}

on_both_backends!(video_passwords);
