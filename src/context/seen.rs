//! What this run has read of each resource, until it writes to it: a read that shows a
//! resource's members — its own read, or a list holding it — serves as the before-image of the
//! next update to that resource, with no second request. The seed's post-import clean-up
//! (list the users, update each) then sends exactly what a boto3 loop sends, and stays
//! revertible. A blind update (nothing read) still reads first.
//!
//! An entry stands until a write might change its resource: any write naming it (a user by
//! its name, in any case), any write to its scope that names no resource this run has seen (a
//! user addressed by an alias, a pool-level change), and nothing stands in for a read while a dry run plans.

use rhai::Map;

/// A read whose answer shows, for each resource it holds, what that resource's own read
/// shows (or part of it: see [`Seen::before`]).
struct Shows {
    read: &'static str,
    /// The list member holding the resources; `None`: the read is the resource's own read.
    items: Option<&'static str>,
    /// The resource's own read, whose answer this stands for.
    reader: &'static str,
    /// The reader's request members taken from the read's request, then from each item (the
    /// last one names the resource within the others, its scope).
    from_request: &'static [&'static str],
    from_item: &'static [&'static str],
    /// Item members the reader's answer names otherwise (a listed user's `Attributes` are
    /// `UserAttributes`).
    renames: &'static [(&'static str, &'static str)],
    /// Request members that make the answer partial (`AttributesToGet`): then it stands for
    /// nothing.
    partial_if: &'static [&'static str],
}

const SHOWS: &[Shows] = &[
    Shows {
        read: "cognito::admin_get_user",
        items: None,
        reader: "cognito::admin_get_user",
        from_request: &["UserPoolId", "Username"],
        from_item: &[],
        renames: &[],
        partial_if: &[],
    },
    Shows {
        read: "cognito::list_users",
        items: Some("Users"),
        reader: "cognito::admin_get_user",
        from_request: &["UserPoolId"],
        from_item: &["Username"],
        renames: &[("Attributes", "UserAttributes")],
        partial_if: &["AttributesToGet"],
    },
    Shows {
        read: "cognito::get_group",
        items: None,
        reader: "cognito::get_group",
        from_request: &["UserPoolId", "GroupName"],
        from_item: &[],
        renames: &[],
        partial_if: &[],
    },
];

/// One resource as a read of this run showed it.
struct Entry {
    reader: &'static str,
    /// The reader's request for it; its last member names it within the others.
    key: Vec<(&'static str, String)>,
    /// What the reader would answer (all of it when `whole`, else the members shown).
    answer: Map,
    whole: bool,
    /// The read that showed it (`cognito::list_users`).
    from: &'static str,
}

/// The run's reads, until writes make them stale.
#[derive(Default)]
pub struct Seen {
    entries: Vec<Entry>,
}

fn text(map: &Map, key: &str) -> Option<String> {
    map.get(key)
        .and_then(|v| v.clone().into_string().ok())
        .filter(|s| !s.is_empty())
}

impl Seen {
    /// Notes what a successful read showed.
    pub fn note_read(&mut self, function: &str, request: &Map, response: &Map) {
        let Some(shows) = SHOWS.iter().find(|s| s.read == function) else {
            return;
        };
        if shows.partial_if.iter().any(|k| request.contains_key(*k)) {
            return;
        }
        let Some(scope) = shows
            .from_request
            .iter()
            .map(|k| text(request, k).map(|v| (*k, v)))
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        let items: Vec<Map> = match shows.items {
            None => vec![response.clone()],
            Some(list) => response
                .get(list)
                .and_then(|v| v.clone().into_array().ok())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|item| item.try_cast::<Map>())
                .collect(),
        };
        for item in items {
            let Some(named) = shows
                .from_item
                .iter()
                .map(|k| text(&item, k).map(|v| (*k, v)))
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let key: Vec<(&'static str, String)> = scope.iter().cloned().chain(named).collect();
            let answer: Map = item
                .into_iter()
                .map(|(k, v)| {
                    let renamed = shows
                        .renames
                        .iter()
                        .find(|(from, _)| *from == k.as_str())
                        .map_or(k, |(_, to)| (*to).into());
                    (renamed, v)
                })
                .collect();
            self.entries
                .retain(|e| !(e.reader == shows.reader && e.key == key));
            self.entries.push(Entry {
                reader: shows.reader,
                key,
                answer,
                whole: shows.items.is_none(),
                from: shows.read,
            });
        }
    }

    /// What `reader` would answer to `request`, if a read of this run showed it since the
    /// last write to it, and the read that showed it. A list's item stands for the whole
    /// answer only when it holds every member in `needed` (the members a before-image takes).
    pub fn before(
        &self,
        reader: &str,
        request: &Map,
        needed: &[&str],
    ) -> Option<(Map, &'static str)> {
        let entry = self.entries.iter().find(|e| {
            e.reader == reader
                && e.key.len() == request.len()
                && e.key
                    .iter()
                    .all(|(k, v)| text(request, k).as_deref() == Some(v.as_str()))
        })?;
        (entry.whole || needed.iter().all(|m| entry.answer.contains_key(*m)))
            .then(|| (entry.answer.clone(), entry.from))
    }

    /// Forgets what a write may change (see the module's doc).
    pub fn note_write(&mut self, request: &Map) {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        // Does the write name, exactly, a resource this run has seen?
        let names_one_seen = self.entries.iter().any(|e| {
            e.key
                .iter()
                .all(|(k, v)| text(request, k).as_deref() == Some(v.as_str()))
        });
        self.entries.retain(|e| {
            let Some(((name_key, name), scope)) = e.key.split_last() else {
                return false;
            };
            let shares = e.key.iter().any(|(k, _)| request.contains_key(*k));
            if !shares {
                return true;
            }
            let in_scope = scope
                .iter()
                .all(|(k, v)| text(request, k).is_none_or(|r| same(&r, v)));
            if !in_scope {
                return true;
            }
            match text(request, name_key) {
                // It names this resource: stale.
                Some(asked) if same(&asked, name) => false,
                // It names another one this run has seen in the scope: this one stands.
                Some(_) => names_one_seen,
                // A write to the scope itself.
                None => false,
            }
        });
    }
}

/// A listed user, for tests.
#[cfg(test)]
fn user(name: &str, attributes: &[(&str, &str)]) -> rhai::Dynamic {
    use rhai::Dynamic;
    let mut m = Map::new();
    m.insert("Username".into(), name.into());
    let attrs: rhai::Array = attributes
        .iter()
        .map(|(k, v)| {
            let mut a = Map::new();
            a.insert("Name".into(), (*k).into());
            a.insert("Value".into(), (*v).into());
            Dynamic::from(a)
        })
        .collect();
    m.insert("Attributes".into(), attrs.into());
    m.insert("Enabled".into(), true.into());
    Dynamic::from(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Dynamic;

    fn request(pairs: &[(&str, &str)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), Dynamic::from(v.to_string())))
            .collect()
    }

    fn listed() -> Seen {
        let mut seen = Seen::default();
        let mut response = Map::new();
        response.insert(
            "Users".into(),
            vec![user("ann", &[("email", "a@x")]), user("bob", &[])].into(),
        );
        seen.note_read(
            "cognito::list_users",
            &request(&[("UserPoolId", "p")]),
            &response,
        );
        seen
    }

    #[test]
    fn a_listed_user_stands_for_its_read_until_a_write_names_it() {
        let mut seen = listed();
        let ann = request(&[("UserPoolId", "p"), ("Username", "ann")]);
        let (answer, from) = seen
            .before("cognito::admin_get_user", &ann, &["UserAttributes"])
            .expect("seen");
        assert_eq!(from, "cognito::list_users");
        assert!(answer.contains_key("UserAttributes"), "{answer:?}");
        // Not for a member a list does not show.
        assert!(
            seen.before("cognito::admin_get_user", &ann, &["UserMFASettingList"])
                .is_none()
        );
        // A write to bob leaves ann's; one to ANN (the same user) does not.
        seen.note_write(&request(&[("UserPoolId", "p"), ("Username", "bob")]));
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_some());
        seen.note_write(&request(&[("UserPoolId", "p"), ("Username", "ANN")]));
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_none());
    }

    #[test]
    fn an_unknown_name_or_a_pool_write_makes_the_pool_stale() {
        let ann = request(&[("UserPoolId", "p"), ("Username", "ann")]);
        // An alias (an email) may be ann.
        let mut seen = listed();
        seen.note_write(&request(&[("UserPoolId", "p"), ("Username", "a@x")]));
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_none());
        let mut seen = listed();
        seen.note_write(&request(&[("UserPoolId", "p")]));
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_none());
        // Another pool, or another service, changes nothing here.
        let mut seen = listed();
        seen.note_write(&request(&[("UserPoolId", "q"), ("Username", "ann")]));
        seen.note_write(&request(&[("RoleName", "r")]));
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_some());
    }

    #[test]
    fn a_partial_list_stands_for_nothing() {
        let mut seen = Seen::default();
        let mut response = Map::new();
        response.insert("Users".into(), vec![user("ann", &[])].into());
        seen.note_read(
            "cognito::list_users",
            &request(&[("UserPoolId", "p"), ("AttributesToGet", "email")]),
            &response,
        );
        let ann = request(&[("UserPoolId", "p"), ("Username", "ann")]);
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_none());
    }
}
