//! Bearer-token access: a handler takes `Auth<Read>` (or `Auth<Match>`, `Auth<Admin>`) and runs
//! only for a token of that role or a higher one. 401 without a valid token, 403 for a lower role.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};

use super::{ApiProblem, AppState, Role};

/// The role an endpoint needs.
pub trait Need {
    /// The least role allowed.
    const ROLE: Role;
}

/// Endpoints any token may call: rank, explain, groups, validate.
pub struct Read;
/// Endpoints for `match` and `admin` tokens.
pub struct Match;
/// Endpoints for `admin` tokens: reload.
pub struct Admin;

impl Need for Read {
    const ROLE: Role = Role::Read;
}
impl Need for Match {
    const ROLE: Role = Role::Match;
}
impl Need for Admin {
    const ROLE: Role = Role::Admin;
}

/// Proof that the request carries a token of at least `N::ROLE`.
pub struct Auth<N: Need>(PhantomData<N>);

impl<N: Need> FromRequestParts<AppState> for Auth<N> {
    type Rejection = ApiProblem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiProblem> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(token) = token else {
            return Err(ApiProblem::new(
                StatusCode::UNAUTHORIZED,
                "send a token: Authorization: Bearer TOKEN (`groupmatch token add` makes one)",
            ));
        };
        match state.tokens().role_of(token) {
            None => Err(ApiProblem::new(
                StatusCode::UNAUTHORIZED,
                "the token is not valid (unknown or revoked)",
            )),
            Some(role) if role < N::ROLE => Err(ApiProblem::new(
                StatusCode::FORBIDDEN,
                format!(
                    "this endpoint needs a token of role {} or above; this one has role {role}",
                    N::ROLE
                ),
            )),
            Some(_) => Ok(Auth(PhantomData)),
        }
    }
}
