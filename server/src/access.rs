//! Who may do what. Every domain operation that reads a cooperative's private data or
//! changes anything takes the [`Actor`] and asks [`Actor::require`] first, so no route or
//! server function can forget the check.

use crate::error::{Error, Result};

/// A person's role in one cooperative. Buyers have none: any account may adopt trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Manager,
    Farmer,
}

impl Role {
    pub fn key(self) -> &'static str {
        match self {
            Self::Manager => "manager",
            Self::Farmer => "farmer",
        }
    }

    pub fn parse(key: &str) -> Result<Self> {
        match key {
            "manager" => Ok(Self::Manager),
            "farmer" => Ok(Self::Farmer),
            _ => Err(Error::invalid(
                "Vai trò phải là quản lý hoặc nông dân",
                "role must be manager or farmer",
            )),
        }
    }
}

/// What someone wants to do within a cooperative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See the cooperative's working pages: zones, trees, members, import reports.
    View,
    /// Log care in the trees' diaries.
    Record,
    /// Register or change zones and trees, import, upload photos.
    Register,
    /// Download QR labels.
    PrintLabels,
    /// Add members and hand out invitations.
    ManageMembers,
    /// Change the cooperative's details or rotate its signing key.
    ManageCooperative,
    /// Publish adoption offers; see orders and payments.
    Sell,
    /// Run recalls and tracebacks and read reports (they list buyers' contacts).
    Trace,
    /// Download the whole record as an archive (buyers' contacts, the signing key sealed
    /// under a passphrase).
    Export,
}

impl Action {
    pub const ALL: [Self; 9] = [
        Self::View,
        Self::Record,
        Self::Register,
        Self::PrintLabels,
        Self::ManageMembers,
        Self::ManageCooperative,
        Self::Sell,
        Self::Trace,
        Self::Export,
    ];

    fn allowed_to(self, role: Role) -> bool {
        match role {
            Role::Manager => true,
            Role::Farmer => matches!(self, Self::View | Self::Record),
        }
    }
}

/// A cooperative someone belongs to, with their role in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub cooperative_id: i64,
    pub code: String,
    pub name: String,
    pub role: Role,
    /// Their pseudonym in this cooperative's public log.
    pub alias: String,
}

/// The person making a request, as their session identifies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub is_admin: bool,
    pub memberships: Vec<Membership>,
}

impl Actor {
    /// The operator at the server's command line (demo data, `goc labels`): the
    /// platform's own administrator, who has no account row.
    pub fn system() -> Self {
        Self {
            user_id: 0,
            name: "system".into(),
            is_admin: true,
            memberships: Vec::new(),
        }
    }

    /// The author recorded in a cooperative's ledger entries: the member's pseudonym there
    /// (`member:<alias>`), never an account number or a name (names change, the log does
    /// not; and the log is public). Platform administrators and the command line act as
    /// `admin` and `system`.
    pub fn author_in(&self, cooperative_id: i64) -> String {
        if self.user_id == 0 {
            return "system".into();
        }
        match self
            .memberships
            .iter()
            .find(|m| m.cooperative_id == cooperative_id)
        {
            Some(m) => format!("member:{}", m.alias),
            None => "admin".into(),
        }
    }

    /// The account behind the actor; `None` for the command-line operator.
    pub fn account(&self) -> Option<i64> {
        (self.user_id != 0).then_some(self.user_id)
    }

    pub fn role_in(&self, cooperative_id: i64) -> Option<Role> {
        self.memberships
            .iter()
            .find(|m| m.cooperative_id == cooperative_id)
            .map(|m| m.role)
    }

    pub fn may(&self, cooperative_id: i64, action: Action) -> bool {
        let member = self
            .role_in(cooperative_id)
            .is_some_and(|r| action.allowed_to(r));
        // Care is recorded by the cooperative's members, under their pseudonym there; a
        // platform administrator is not one unless they joined (found by an outside probe:
        // every administrator's entries read "admin").
        member || (self.is_admin && action != Action::Record)
    }

    /// `Forbidden` unless the actor may do `action` in the cooperative.
    pub fn require(&self, cooperative_id: i64, action: Action) -> Result<()> {
        if self.may(cooperative_id, action) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

/// `Unauthorized` for a visitor who is not signed in.
pub fn signed_in(actor: Option<&Actor>) -> Result<&Actor> {
    actor.ok_or(Error::Unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role) -> Actor {
        Actor {
            user_id: 7,
            name: "Lan".into(),
            is_admin: false,
            memberships: vec![Membership {
                cooperative_id: 1,
                code: "NA-LH".into(),
                name: "HTX".into(),
                role,
                alias: "k3x9q2mz".into(),
            }],
        }
    }

    #[test]
    fn roles_grant_within_their_cooperative_only() {
        for a in Action::ALL {
            assert!(member(Role::Manager).may(1, a));
            assert!(!member(Role::Manager).may(2, a));
            assert_eq!(
                member(Role::Farmer).may(1, a),
                matches!(a, Action::View | Action::Record)
            );
            assert!(!member(Role::Farmer).may(2, a));
            assert_eq!(Actor::system().may(2, a), a != Action::Record);
        }
        assert!(matches!(
            member(Role::Farmer).require(1, Action::Register),
            Err(Error::Forbidden)
        ));
        assert!(matches!(signed_in(None), Err(Error::Unauthorized)));
        assert!(matches!(Role::parse("buyer"), Err(Error::Invalid(_))));
        assert_eq!(member(Role::Farmer).author_in(1), "member:k3x9q2mz");
        assert_eq!(Actor::system().author_in(1), "system");
    }
}
