import pytest

from cspdash.access import NotAllowed, Person, Role, load_role_rules, local_person, role_for


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(
        '[roles]\nadmin = ["chair@hackney.gov.uk"]\nanalyst = ["@hackney.gov.uk", "yjs@cityoflondon.gov.uk"]\n'
        'viewer = ["@cityoflondon.gov.uk", "@met.police.uk"]\n'
    )
    return load_role_rules(path)


@pytest.mark.parametrize(
    "email, role",
    [
        ("chair@hackney.gov.uk", Role.ADMIN),
        ("Chair@Hackney.gov.uk", Role.ADMIN),
        ("analyst@hackney.gov.uk", Role.ANALYST),
        ("yjs@cityoflondon.gov.uk", Role.ANALYST),
        ("member@cityoflondon.gov.uk", Role.VIEWER),
        ("someone@example.com", None),
    ],
)
def test_roles_come_from_addresses_and_domains(rules, email, role):
    assert role_for(email, rules) is role


def test_local_mode_is_admin_only_on_loopback():
    assert local_person("127.0.0.1").role is Role.ADMIN
    assert local_person("localhost").role is Role.ADMIN
    assert local_person("0.0.0.0").role is Role.VIEWER
    assert local_person("").role is Role.VIEWER  # Streamlit's default listens on every interface


@pytest.mark.parametrize(
    "role, allowed, refused",
    [
        (
            Role.VIEWER,
            ["view"],
            ["upload", "comment", "edit_actions", "withdraw", "set_targets", "read_audit", "backup"],
        ),
        (
            Role.ANALYST,
            ["view", "upload", "comment", "edit_actions"],
            ["withdraw", "set_targets", "read_audit", "backup"],
        ),
        (Role.ADMIN, ["view", "upload", "withdraw", "set_targets", "read_audit", "backup"], []),
    ],
)
def test_every_action_is_checked_against_the_role(role, allowed, refused):
    person = Person("x@hackney.gov.uk", role)
    for action in allowed:
        person.require(action)
    for action in refused:
        with pytest.raises(NotAllowed, match=action.replace("_", " ")):
            person.require(action)
    with pytest.raises(NotAllowed):
        Person("nobody@example.com", None).require("view")
