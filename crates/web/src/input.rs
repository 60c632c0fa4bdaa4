//! What people type, checked once where it enters: display names (participants, districts),
//! usernames (trimmed, lower case, a small alphabet, so `admin` and `Admin ` are one user) and
//! passwords (a minimum length, and no password an attacker tries first: zxcvbn's estimate,
//! whose dictionaries hold the most common passwords, must reach "safely unguessable").
//! Each check answers an [`InputProblem`] naming the field and what was expected; values are
//! shown clipped, never whole (a 5 MB name must not come back in an error).

// The error is the problem the user reads, built once per refused request: boxing it would
// only move it.
#![allow(clippy::result_large_err)]

use crate::error::InputProblem;

/// Longest display name, in characters.
pub(crate) const MAX_NAME_CHARS: usize = 200;
/// Shortest and longest username, in characters.
pub(crate) const USERNAME_CHARS: (usize, usize) = (3, 64);
/// Shortest and longest password, in characters.
pub(crate) const PASSWORD_CHARS: (usize, usize) = (10, 256);
/// zxcvbn's score a password must reach (0–4; 3: "safely unguessable", about 10^10 guesses).
const MIN_PASSWORD_SCORE: u8 = 3;

/// The first 40 characters of `s` (with `…` when cut), for messages.
pub(crate) fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// A display name: not blank, at most [`MAX_NAME_CHARS`] characters, no control characters.
pub(crate) fn display_name(field: &str, s: &str) -> Result<(), InputProblem> {
    let expected = || Some(format!("a name of 1 to {MAX_NAME_CHARS} characters"));
    let attendu = || Some(format!("un nom de 1 à {MAX_NAME_CHARS} caractères"));
    let n = s.trim().chars().count();
    if n == 0 {
        return Err(
            InputProblem::field(field, "the name is empty".into(), expected())
                .fr("le nom est vide", attendu()),
        );
    }
    if n > MAX_NAME_CHARS {
        return Err(InputProblem::field(
            field,
            format!("the name has {n} characters ({:?})", clip(s)),
            expected(),
        )
        .fr(
            format!("le nom a {n} caractères ({:?})", clip(s)),
            attendu(),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(InputProblem::field(
            field,
            format!("the name {:?} holds control characters", clip(s)),
            expected(),
        )
        .fr(
            format!("le nom {:?} contient des caractères de contrôle", clip(s)),
            attendu(),
        ));
    }
    Ok(())
}

/// The username as stored and compared: trimmed and in lower case; letters a–z, digits and
/// `.`, `_`, `-`, `@`, of [`USERNAME_CHARS`] characters.
pub(crate) fn username(s: &str) -> Result<String, InputProblem> {
    let u = s.trim().to_lowercase();
    let (min, max) = USERNAME_CHARS;
    let expected = Some(format!(
        "{min} to {max} characters: letters a-z, digits, '.', '_', '-' or '@'"
    ));
    let n = u.chars().count();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c);
    if n < min || n > max || !u.chars().all(allowed) {
        return Err(InputProblem::field(
            "username",
            format!("{:?} is not a valid username", clip(s)),
            expected,
        )
        .fr(
            format!("{:?} n'est pas un identifiant valide", clip(s)),
            Some(format!(
                "{min} à {max} caractères : lettres a-z, chiffres, « . », « _ », « - » ou « @ »"
            )),
        ));
    }
    Ok(u)
}

/// A new password for `username`: [`PASSWORD_CHARS`] long, and not guessable (common
/// passwords, keyboard walks, the username, dates and the like score too low).
pub(crate) fn password(password: &str, username: &str) -> Result<(), InputProblem> {
    let (min, max) = PASSWORD_CHARS;
    let expected = || {
        Some(format!(
            "{min} to {max} characters that are not a common password, a keyboard pattern or \
             the username (a few unrelated words work well)"
        ))
    };
    let attendu = || {
        Some(format!(
            "{min} à {max} caractères qui ne soient ni un mot de passe courant, ni une suite de \
             touches, ni l'identifiant (quelques mots sans rapport font l'affaire)"
        ))
    };
    let n = password.chars().count();
    if n < min || n > max {
        return Err(InputProblem::field(
            "password",
            format!("the password has {n} characters"),
            expected(),
        )
        .fr(format!("le mot de passe a {n} caractères"), attendu()));
    }
    let estimate = zxcvbn::zxcvbn(password, &[username, "quartier"]);
    if u8::from(estimate.score()) < MIN_PASSWORD_SCORE {
        return Err(InputProblem::field(
            "password",
            "the password is too easy to guess".into(),
            expected(),
        )
        .fr("le mot de passe est trop facile à deviner", attendu()));
    }
    Ok(())
}

/// The name of an uploaded file as its uploader gave it (`?name=` or the form's file name):
/// trimmed, 1 to 120 characters, no slash or backslash (never a path), no control character.
pub(crate) fn file_name(name: Option<&str>) -> Result<String, InputProblem> {
    name.map(str::trim)
        .filter(|n| {
            !n.is_empty()
                && n.chars().count() <= 120
                && !n.contains(['/', '\\'])
                && !n.chars().any(char::is_control)
        })
        .map(str::to_string)
        .ok_or_else(|| {
            InputProblem::field(
                "name",
                "the file has no usable name".into(),
                Some("?name=<file name>, 1 to 120 characters, no slash or control character".into()),
            )
            .fr(
                "le fichier n'a pas de nom utilisable",
                Some(
                    "?name=<nom du fichier>, 1 à 120 caractères, sans barre oblique ni caractère de contrôle"
                        .into(),
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_lower_case_and_bounded() {
        assert_eq!(username(" Admin ").unwrap(), "admin");
        assert_eq!(
            username("ana.roux@meudon.fr").unwrap(),
            "ana.roux@meudon.fr"
        );
        for bad in ["ab", "a b c", "ana\u{0}", "émile", &"x".repeat(65), ""] {
            let p = username(bad).unwrap_err();
            assert_eq!(p.path, "username");
            assert!(p.message.chars().count() < 80, "{}", p.message);
        }
    }

    #[test]
    fn common_short_or_personal_passwords_are_refused() {
        for bad in [
            "x",
            "password123",
            "azertyuiop",
            "1234567890",
            "qwertyuiop123",
        ] {
            assert!(password(bad, "ana").is_err(), "{bad}");
        }
        assert!(password("ana-ana-ana-ana", "ana").is_err());
        assert!(password(&"a".repeat(300), "ana").is_err());
        // The passwords the tests and the demo use.
        for good in [
            "long-password-1",
            "admin-password-123",
            "ecole-password-1",
            "kill-test-password",
            "serve-browser-admin-1",
            "soleil sur les toits de Meudon",
        ] {
            assert!(password(good, "ana").is_ok(), "{good}");
        }
    }

    #[test]
    fn names_are_bounded_and_clipped_in_messages() {
        assert!(display_name("name", "École Jules Ferry").is_ok());
        assert!(display_name("name", "  ").is_err());
        let long = "n".repeat(5_000_000);
        let p = display_name("name", &long).unwrap_err();
        assert!(p.message.len() < 200, "{}", p.message.len());
        assert!(display_name("name", "a\u{7}b").is_err());
    }

    #[test]
    fn an_uploaded_file_name_is_never_a_path() {
        assert_eq!(file_name(Some(" relevé.pdf ")).unwrap(), "relevé.pdf");
        for bad in [
            None,
            Some(""),
            Some("../x.pdf"),
            Some("a\\b.pdf"),
            Some("a\nb.pdf"),
        ] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
        assert!(file_name(Some(&"x".repeat(121))).is_err());
    }
}
