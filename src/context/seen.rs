//! What this run has read of each resource, until it writes to it: a read that shows a
//! resource's members — its own read, or a list holding it — serves as the before-image of the
//! next update to that resource, with no second request; and a parent's whole list (a group's
//! users) tells whether an idempotent create or removal (adding a user to a group) would
//! change anything, with no read of its own. The seed's post-import clean-up (list the users,
//! update each) then sends exactly what a boto3 loop sends, and stays revertible. A blind
//! update (nothing read) still reads first.
//!
//! What a read showed stands until a write might change it: a write naming the resource (a
//! user by its name, in any case), a write to its scope that names no resource plainly (a
//! user addressed by an alias — a name no read showed as a username —, a pool-level change).
//! A parent's list stays through a write naming one of its items plainly, unsure of that item
//! alone; a resource's own read stays through a write to something under it (a user's
//! membership of a group) or beside it (a group of the pool whose users were read). Nothing
//! stands in for a read while a dry run plans.

use std::collections::{HashMap, HashSet};

use rhai::Map;

use crate::aws::facts::{Effect, resource_of};
use crate::safety::planned::{self, Listed};

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

/// Request members that may name a resource by an alias: a user by its email, phone number
/// or preferred username. A name no read of this run showed as a username may be any user of
/// its pool.
const ALIASED: &[&str] = &["Username"];

/// What the run knows of one resource (or of one parent's list of them).
enum Known {
    /// As its reader would answer (all of it when `whole`, else the members a list showed),
    /// and the read that showed it (`cognito::list_users`).
    Shown {
        answer: Map,
        whole: bool,
        from: &'static str,
    },
    /// A parent's whole list (a group's users): the names it held, exactly and in lower case,
    /// and those a write since may have added or removed.
    Listed {
        member: &'static str,
        names: HashSet<String>,
        folded: HashSet<String>,
        unsure: HashSet<String>,
    },
}

/// One resource (or list), by its name within its scope.
struct Entry {
    name: String,
    known: Known,
}

/// Everything known under one reader and scope (`admin_get_user` in one pool): a few of these
/// per run, each holding any number of resources by name, so a write finds what it makes stale
/// in one lookup.
struct Scope {
    /// The reader (`cognito::admin_get_user`) or the list (`cognito::list_users_in_group`).
    reader: &'static str,
    /// The request members naming the scope (`UserPoolId`), then the one naming a resource in it.
    scope: Vec<(&'static str, String)>,
    name_key: &'static str,
    /// By name in lower case (a write names a user in any case).
    entries: HashMap<String, Entry>,
}

impl Scope {
    fn is(&self, reader: &str, scope: &[(&'static str, String)], name_key: &str) -> bool {
        self.reader == reader && self.name_key == name_key && self.scope == scope
    }

    /// The entry `request` names exactly (scope, name, and nothing else).
    fn named(&self, request: &Map) -> Option<&Entry> {
        if request.len() != self.scope.len() + 1
            || !self
                .scope
                .iter()
                .all(|(k, v)| text(request, k).as_deref() == Some(v.as_str()))
        {
            return None;
        }
        let name = text(request, self.name_key)?;
        self.entries
            .get(&name.to_lowercase())
            .filter(|e| e.name == name)
    }
}

/// The run's reads, until writes make them stale.
#[derive(Default)]
pub struct Seen {
    scopes: Vec<Scope>,
    /// Per pool, the names reads showed as usernames (not aliases).
    usernames: HashMap<String, HashSet<String>>,
}

/// Each of `keys` with its text in `map`; `None` when one is missing.
fn pairs(map: &Map, keys: &[&'static str]) -> Option<Vec<(&'static str, String)>> {
    keys.iter().map(|k| text(map, k).map(|v| (*k, v))).collect()
}

fn text(map: &Map, key: &str) -> Option<String> {
    map.get(key)
        .and_then(|v| v.clone().into_string().ok())
        .filter(|s| !s.is_empty())
}

impl Seen {
    /// Notes what a successful read showed.
    pub fn note_read(&mut self, function: &str, request: &Map, response: &Map) {
        if let Some(listed) = Listed::by(function) {
            self.note_list(&listed, request, response);
        }
        let Some(shows) = SHOWS.iter().find(|s| s.read == function) else {
            return;
        };
        if shows.partial_if.iter().any(|k| request.contains_key(*k)) {
            return;
        }
        let Some(scope) = pairs(request, shows.from_request) else {
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
            let Some(named) = pairs(&item, shows.from_item) else {
                continue;
            };
            let mut key: Vec<(&'static str, String)> = scope.iter().cloned().chain(named).collect();
            let Some((name_key, name)) = key.pop() else {
                continue;
            };
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
            let known = Known::Shown {
                answer,
                whole: shows.items.is_none(),
                from: shows.read,
            };
            self.remember(shows.reader, key, name_key, name, known);
        }
    }

    /// A parent's whole list (every page, nothing filtered), for [`Seen::holds`].
    fn note_list(&mut self, listed: &Listed, request: &Map, response: &Map) {
        if request.len() != listed.key.len() {
            return;
        }
        let Some(mut key) = pairs(request, &listed.key) else {
            return;
        };
        let Some((name_key, name)) = key.pop() else {
            return;
        };
        let items = response
            .get(listed.items)
            .and_then(|v| v.clone().into_array().ok())
            .unwrap_or_default();
        let names: HashSet<String> = items
            .iter()
            .map(|item| planned::item_value(item, listed.field))
            .collect();
        let known = Known::Listed {
            member: listed.member,
            folded: names.iter().map(|n| n.to_lowercase()).collect(),
            names,
            unsure: HashSet::new(),
        };
        self.remember(listed.op, key, name_key, name, known);
    }

    /// Keeps what a read showed of one resource, in place of what an earlier read did.
    fn remember(
        &mut self,
        reader: &'static str,
        scope: Vec<(&'static str, String)>,
        name_key: &'static str,
        name: String,
        known: Known,
    ) {
        if ALIASED.contains(&name_key) {
            self.learn_username(&scope, &name);
        }
        if let Known::Listed { member, names, .. } = &known
            && ALIASED.contains(member)
        {
            let mut pool = scope.clone();
            pool.push((name_key, name.clone()));
            for listed in names {
                self.learn_username(&pool, listed);
            }
        }
        let at = match self
            .scopes
            .iter()
            .position(|s| s.is(reader, &scope, name_key))
        {
            Some(at) => at,
            None => {
                self.scopes.push(Scope {
                    reader,
                    scope,
                    name_key,
                    entries: HashMap::new(),
                });
                self.scopes.len() - 1
            }
        };
        self.scopes[at]
            .entries
            .insert(name.to_lowercase(), Entry { name, known });
    }

    /// A name a read showed as a username in the pool `scope` names.
    fn learn_username(&mut self, scope: &[(&'static str, String)], name: &str) {
        if let Some((_, pool)) = scope.iter().find(|(k, _)| *k == "UserPoolId") {
            self.usernames
                .entry(pool.clone())
                .or_default()
                .insert(name.to_string());
        }
    }

    /// What this run knows of the resource `request` names to `reader`.
    fn entry(&self, reader: &str, request: &Map) -> Option<&Entry> {
        self.scopes
            .iter()
            .filter(|s| s.reader == reader)
            .find_map(|s| s.named(request))
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
        let entry = self.entry(reader, request)?;
        let Known::Shown {
            answer,
            whole,
            from,
        } = &entry.known
        else {
            return None;
        };
        (*whole || needed.iter().all(|m| answer.contains_key(*m))).then(|| (answer.clone(), *from))
    }

    /// Does the whole list `list` answers to `request` hold `value` (an item a write names
    /// with `member`), as a list of this run showed it, with no write since that may have
    /// changed that item? `None` when the run cannot tell without reading.
    pub fn holds(&self, list: &str, request: &Map, member: &str, value: &str) -> Option<bool> {
        let entry = self.entry(list, request)?;
        let Known::Listed {
            names,
            folded,
            unsure,
            ..
        } = &entry.known
        else {
            return None;
        };
        let lower = value.to_lowercase();
        if unsure.contains(&lower) {
            return None;
        }
        if names.contains(value) {
            return Some(true);
        }
        // Not there by this name: not there at all only if the name is no other's alias (nor
        // another spelling of a name it holds).
        let plain = !ALIASED.contains(&member) || is_username(&self.usernames, request, value);
        (plain && !folded.contains(&lower)).then_some(false)
    }

    /// Forgets what a write may change (see the module's doc). A list of a parent stays,
    /// unsure only of the item the write names plainly (a user added to a group leaves the
    /// group's other members known); what a resource's own read showed stays through a write
    /// to something under it (a user added to a group is the same user).
    pub fn note_write(&mut self, function: &str, request: &Map) {
        let usernames = &self.usernames;
        let plain = |name: &str, member: &str| {
            !ALIASED.contains(&member) || is_username(usernames, request, name)
        };
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let written = resource_of(function);
        // The key of what the write acts on (a membership: pool, user and group).
        let written_key = written.map_or(&[][..], |(r, _)| r.key);
        for scope in &mut self.scopes {
            // A write to another resource in this scope — under one of its resources (a
            // user's membership of a group) or beside them (a group of the pool whose users
            // were read) — changes that one, not what these resources' own reads show: its
            // key holds the scope's, and more than the scope and (if it has it) the name.
            let names_one = written_key.contains(&scope.name_key);
            let elsewhere = scope.scope.iter().all(|(k, _)| written_key.contains(k))
                && written_key.len() > scope.scope.len() + usize::from(names_one);
            let shares = scope.scope.iter().any(|(k, _)| request.contains_key(*k))
                || request.contains_key(scope.name_key);
            let in_scope = scope
                .scope
                .iter()
                .all(|(k, v)| text(request, k).is_none_or(|r| same(&r, v)));
            if !shares || !in_scope {
                continue;
            }
            // What the write leaves of an entry: a list, unsure of the item it names.
            let keeps = |entry: &mut Entry| -> bool {
                let Known::Listed { member, unsure, .. } = &mut entry.known else {
                    return elsewhere;
                };
                match text(request, member).filter(|v| plain(v, member)) {
                    Some(item) => {
                        unsure.insert(item.to_lowercase());
                        true
                    }
                    None => false,
                }
            };
            match text(request, scope.name_key) {
                // It names one plainly: that one.
                Some(asked) if plain(&asked, scope.name_key) => {
                    let name = asked.to_lowercase();
                    if let Some(entry) = scope.entries.get_mut(&name)
                        && !keeps(entry)
                    {
                        scope.entries.remove(&name);
                    }
                }
                // A name that may be any of the scope's (an alias), or a write to the scope
                // itself: all of it.
                _ => scope.entries.retain(|_, entry| keeps(entry)),
            }
        }
        // A user deleted: its name is no longer a username (one deleted by an alias: no
        // name of its pool is sure).
        let deleted = written
            .filter(|(_, effect)| matches!(effect, Effect::Delete))
            .and_then(|(r, _)| r.key.last())
            .filter(|k| ALIASED.contains(k))
            .and_then(|k| text(request, k));
        if let (Some(name), Some(pool)) = (deleted, text(request, "UserPoolId")) {
            match self.usernames.get_mut(&pool) {
                Some(names) if names.contains(&name) => {
                    names.remove(&name);
                }
                _ => {
                    self.usernames.remove(&pool);
                }
            }
        }
    }
}

/// Is `name` a username (not an alias) in the pool `request` names?
fn is_username(usernames: &HashMap<String, HashSet<String>>, request: &Map, name: &str) -> bool {
    text(request, "UserPoolId")
        .and_then(|pool| usernames.get(&pool))
        .is_some_and(|names| names.contains(name))
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
        seen.note_write(
            "cognito::admin_update_user_attributes",
            &request(&[("UserPoolId", "p"), ("Username", "bob")]),
        );
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_some());
        seen.note_write(
            "cognito::admin_update_user_attributes",
            &request(&[("UserPoolId", "p"), ("Username", "ANN")]),
        );
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_none());
    }

    #[test]
    fn an_unknown_name_or_a_pool_write_makes_the_pool_stale() {
        let ann = request(&[("UserPoolId", "p"), ("Username", "ann")]);
        // An alias (an email) may be ann.
        let mut seen = listed();
        seen.note_write(
            "cognito::admin_update_user_attributes",
            &request(&[("UserPoolId", "p"), ("Username", "a@x")]),
        );
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_none());
        // A change to the pool itself (its deletion).
        let mut seen = listed();
        seen.note_write(
            "cognito::delete_user_pool",
            &request(&[("UserPoolId", "p")]),
        );
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_none());
        // Another pool, or another service, changes nothing here.
        let mut seen = listed();
        seen.note_write(
            "cognito::admin_update_user_attributes",
            &request(&[("UserPoolId", "q"), ("Username", "ann")]),
        );
        seen.note_write("iam::delete_role", &request(&[("RoleName", "r")]));
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

    #[test]
    fn a_groups_whole_list_tells_who_is_in_it_until_a_write_names_them() {
        let mut seen = listed();
        let staff = request(&[("UserPoolId", "p"), ("GroupName", "staff")]);
        let mut members = Map::new();
        members.insert("Users".into(), vec![user("ann", &[])].into());
        seen.note_read("cognito::list_users_in_group", &staff, &members);
        let holds = |seen: &Seen, name: &str| {
            seen.holds("cognito::list_users_in_group", &staff, "Username", name)
        };
        assert_eq!(holds(&seen, "ann"), Some(true));
        // bob is a username the listing showed: plainly not in the group.
        assert_eq!(holds(&seen, "bob"), Some(false));
        // A name no read showed may be anyone's alias; another spelling may be ann.
        assert_eq!(holds(&seen, "a@x"), None);
        assert_eq!(holds(&seen, "ANN"), None);
        // A user's own read stands through a change of its memberships.
        let ann = request(&[("UserPoolId", "p"), ("Username", "ann")]);
        seen.note_write(
            "cognito::admin_add_user_to_group",
            &request(&[
                ("UserPoolId", "p"),
                ("Username", "ann"),
                ("GroupName", "admins"),
            ]),
        );
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_some());
        // And through a group made in the pool; not through a change to the pool itself.
        seen.note_write(
            "cognito::create_group",
            &request(&[("UserPoolId", "p"), ("GroupName", "auditors")]),
        );
        assert!(seen.before("cognito::admin_get_user", &ann, &[]).is_some());
        // Adding bob to staff: unsure of bob alone.
        let add = |user: &str, group: &str| {
            request(&[
                ("UserPoolId", "p"),
                ("Username", user),
                ("GroupName", group),
            ])
        };
        seen.note_write("cognito::admin_add_user_to_group", &add("bob", "staff"));
        assert_eq!(holds(&seen, "bob"), None);
        assert_eq!(holds(&seen, "ann"), Some(true));
        // To another group, or another pool's: nothing changes here.
        seen.note_write("cognito::admin_add_user_to_group", &add("ann", "admins"));
        assert_eq!(holds(&seen, "ann"), Some(true));
        // A write to ann anywhere in the pool (her deletion): unsure of ann.
        seen.note_write(
            "cognito::admin_delete_user",
            &request(&[("UserPoolId", "p"), ("Username", "ann")]),
        );
        assert_eq!(holds(&seen, "ann"), None);
        // By an alias: the whole list is stale.
        seen.note_write("cognito::admin_add_user_to_group", &add("a@x", "staff"));
        assert!(
            seen.holds("cognito::list_users_in_group", &staff, "Username", "carol")
                .is_none()
        );
        // A filtered or paged list is not whole: it stands for nothing.
        let mut seen = listed();
        let mut paged = staff.clone();
        paged.insert("Limit".into(), Dynamic::from(1_i64));
        seen.note_read("cognito::list_users_in_group", &paged, &members);
        assert_eq!(holds(&seen, "bob"), None);
    }
}
