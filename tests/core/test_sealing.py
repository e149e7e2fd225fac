"""The age core: keys, sealing, opening, passphrase input, interop with the standard `age` tool.

Wrapping an identity with a passphrase costs seconds (age's scrypt, and pyrage offers no work-factor knob), so
keys are created ONCE per run (conftest.made_keys) and copied for the tests that change them; unwraps the suite has already worked
out are remembered (conftest.RememberedScrypt), except in the test marked ``real_kdf``.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pyrage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from herenow.store import sealing
from herenow.store.sealing import Identity, Keys, SealingError

from conftest import PASSPHRASE, MadeKeys, age_decrypt_on_a_terminal, install_keys

CANARY = b"CANARY-wistful-pelican-7731"
AGE = shutil.which("age")
needs_age = pytest.mark.skipif(AGE is None, reason="Debian's `age` tool is not installed (apt-get install age)")


@pytest.fixture
def made(made_keys: MadeKeys) -> MadeKeys:
    return made_keys


@pytest.fixture
def keys(made: MadeKeys, tmp_path: Path) -> Keys:
    """A private copy of the run's keys, for tests that damage or change them."""
    return Keys(install_keys(made, tmp_path / "keys"))


@pytest.fixture
def ident(made: MadeKeys) -> Identity:
    return Identity.from_secret(made.recovery)


def one_line(error: SealingError) -> str:
    text = str(error)
    assert "\n" not in text and text.strip() == text and text
    return text


# --- sealing and opening ------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200_000))
def test_seal_open_round_trip(data: bytes) -> None:
    who = Identity.generate()
    sealed = sealing.seal(data, who.recipient)
    assert sealing.is_sealed(sealed)
    payload = sealed[sealed.index(b"\n--- ") + 49 :]  # after the header and its MAC line
    assert len(data) < 16 or data not in payload
    assert sealing.open_sealed(sealed, who, name="x") == data


def test_write_and_read_sealed(tmp_path: Path, ident: Identity) -> None:
    path = tmp_path / "new" / "r.toml.age"
    written = sealing.write_sealed(path, CANARY, ident.recipient)
    assert path.read_bytes() == written
    assert sealing.is_sealed(path) and not sealing.is_sealed(tmp_path / "absent")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sealing.read_sealed(path, ident) == CANARY
    armored = pyrage.encrypt(CANARY, [pyrage.x25519.Recipient.from_str(ident.recipient)], armored=True)
    assert sealing.is_sealed(armored) and sealing.open_sealed(armored, ident, name="a") == CANARY


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda b: b[:-7], "truncated or damaged"),
        (lambda b: b[:30], "truncated or damaged"),
        (lambda b: b[:-5] + bytes([b[-5] ^ 1]) + b[-4:], "truncated or damaged"),
        (lambda b: b"", "not an age file"),
        (lambda b: b"[reflection]\ntext = 'plain'\n", "not an age file"),
        (lambda b: b.replace(b"X25519", b"X25518", 1), "sealed to a different key"),
    ],
    ids=["truncated", "header-only", "bit-flip", "empty", "plain-toml", "other-stanza"],
)
def test_damaged_sealed_file_is_one_line_naming_it(tmp_path: Path, ident: Identity, damage, problem) -> None:
    path = tmp_path / "r.toml.age"
    path.write_bytes(damage(sealing.seal(CANARY * 100, ident)))
    before = path.read_bytes()
    with pytest.raises(SealingError) as caught:
        sealing.read_sealed(path, ident)
    assert one_line(caught.value) == f"{path}: {problem}" or one_line(caught.value).startswith(f"{path}: {problem}")
    assert path.read_bytes() == before  # nothing touched


def test_other_key_and_missing_file(tmp_path: Path, ident: Identity) -> None:
    path = tmp_path / "r.toml.age"
    sealing.write_sealed(path, CANARY, Identity.generate().recipient)
    with pytest.raises(SealingError, match="different key") as caught:
        sealing.read_sealed(path, ident)
    assert caught.value.kind == sealing.WRONG_KEY and str(path) in one_line(caught.value)
    with pytest.raises(SealingError) as caught:
        sealing.read_sealed(tmp_path / "gone.toml.age", ident)
    assert one_line(caught.value) == f"{tmp_path / 'gone.toml.age'}: missing"


def test_bad_recipient_is_refused() -> None:
    with pytest.raises(SealingError, match="not a valid age recipient"):
        sealing.seal(b"x", "age1notakey")


# --- no plaintext on disk ---------------------------------------------------------------------------------------


def scan(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_temp_file_holds_only_ciphertext_even_in_a_crash(
    tmp_path: Path, ident: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "reflections"
    seen: dict[str, bytes] = {}
    real_unlink = os.unlink

    def crash(src, dst, *args, **kwargs):  # the moment before the rename: look at the temp file, then "die"
        seen[str(src)] = Path(src).read_bytes()
        raise OSError(5, "simulated crash")

    monkeypatch.setattr(os, "replace", crash)
    monkeypatch.setattr(os, "unlink", lambda p, *a, **k: None)  # a killed process cleans nothing up
    with pytest.raises(OSError, match="simulated crash"):
        sealing.write_sealed(folder / "r.toml.age", CANARY, ident.recipient)
    monkeypatch.setattr(os, "unlink", real_unlink)
    assert len(seen) == 1
    [(temp, content)] = seen.items()
    assert Path(temp).parent == folder and Path(temp).exists()  # the leftover, as after a kill
    assert CANARY not in content and sealing.is_sealed(content)
    assert sealing.open_sealed(content, ident, name=temp) == CANARY  # real ciphertext, not an empty file
    assert scan(tmp_path, CANARY) == []
    monkeypatch.undo()
    sealing.write_sealed(folder / "r.toml.age", CANARY, ident.recipient)
    assert scan(tmp_path, CANARY) == []


# --- keys -------------------------------------------------------------------------------------------------------


@pytest.mark.real_kdf  # the production unwrap, scrypt and all (elsewhere the suite remembers unwraps it did)
def test_created_keys_are_private_and_consistent(made: MadeKeys, ident: Identity) -> None:
    keys = Keys(made.folder)
    assert keys.unlock(PASSPHRASE).recipient == ident.recipient
    assert keys.exists()
    assert made.recovery.startswith("AGE-SECRET-KEY-1")
    assert stat.S_IMODE(made.folder.stat().st_mode) == 0o700
    for name in ("identity.age", "recipient.txt"):
        assert stat.S_IMODE((made.folder / name).stat().st_mode) == 0o600
    assert (made.folder / "recipient.txt").read_text() == ident.recipient + "\n"
    assert keys.recipient() == ident.recipient
    wrapped = (made.folder / "identity.age").read_bytes()
    assert sealing.is_sealed(wrapped) and b"-> scrypt " in wrapped
    assert made.recovery.encode() not in wrapped and b"AGE-SECRET-KEY" not in wrapped
    assert sorted(p.name for p in made.folder.iterdir()) == ["identity.age", "recipient.txt"]  # no temp left
    assert made.recovery not in repr(ident)


def test_create_never_replaces_existing_keys(keys: Keys) -> None:
    before = keys.identity_file.read_bytes()
    with pytest.raises(SealingError, match="already exists") as caught:
        keys.create("another")
    assert caught.value.kind == sealing.EXISTS and keys.identity_file.read_bytes() == before


def test_wrong_passphrase_names_identity_file(made: MadeKeys) -> None:
    keys = Keys(made.folder)
    with pytest.raises(SealingError) as caught:
        keys.unlock("not the passphrase")
    assert one_line(caught.value) == f"{keys.identity_file}: wrong passphrase"
    assert caught.value.kind == sealing.WRONG_PASSPHRASE


def test_missing_identity_and_recipient(tmp_path: Path) -> None:
    keys = Keys(tmp_path / "keys")
    assert not keys.exists()
    with pytest.raises(SealingError) as caught:
        keys.unlock(PASSPHRASE)
    assert one_line(caught.value).startswith(f"{keys.identity_file}: missing")
    with pytest.raises(SealingError) as caught:
        keys.recipient()
    assert one_line(caught.value) == f"{keys.recipient_file}: missing (protection is not set up)"
    assert not (tmp_path / "keys").exists()  # nothing created by a failed read


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda b: b[:40], "truncated or damaged"),
        (lambda b: b[:60] + b"#" + b[61:], "damaged, or made by a newer age (unknown format)"),
        (lambda b: b[:-9], "truncated or damaged"),  # header intact: scrypt runs, then the payload fails
        (lambda b: b"", "damaged (not an age file)"),
        (lambda b: b"\x00garbage\xff" * 20, "damaged (not an age file)"),
        (lambda b: pyrage.encrypt(b"x", [pyrage.x25519.Identity.generate().to_public()]),
         "damaged (not wrapped with a passphrase)"),
    ],
    ids=["header-cut", "header-garbled", "payload-cut", "empty", "garbage", "key-wrapped"],
)
def test_corrupted_identity_is_one_line(keys: Keys, damage, problem) -> None:
    keys.identity_file.write_bytes(damage(keys.identity_file.read_bytes()))
    before = {p.name: p.read_bytes() for p in keys.folder.iterdir()}
    with pytest.raises(SealingError) as caught:
        keys.unlock(PASSPHRASE)
    assert one_line(caught.value) == f"{keys.identity_file}: {problem}"
    assert {p.name: p.read_bytes() for p in keys.folder.iterdir()} == before


def test_recipient_file_checks(keys: Keys, ident: Identity) -> None:
    keys.recipient_file.write_text("age1notvalid\n")
    with pytest.raises(SealingError, match="not a valid age recipient"):
        keys.recipient()
    keys.recipient_file.write_text(f"# comment\n{ident.recipient}\n{ident.recipient}\n")
    with pytest.raises(SealingError, match="exactly one"):
        keys.recipient()
    keys.recipient_file.write_text(f"# herenow recipient\n  {ident.recipient}  \n")
    assert keys.recipient() == ident.recipient


def test_change_passphrase_then_recovery_key(keys: Keys, made: MadeKeys, ident: Identity) -> None:
    keys.recipient_file.unlink()  # as after a kill during create(): the unlock inside writes it again
    keys.change_passphrase(PASSPHRASE, "second passphrase")
    assert keys.recipient() == ident.recipient
    assert stat.S_IMODE(keys.identity_file.stat().st_mode) == 0o600
    with pytest.raises(SealingError, match="wrong passphrase"):
        keys.unlock(PASSPHRASE)
    assert keys.unlock("second passphrase").recipient == ident.recipient
    # Passphrase forgotten: the recovery key re-wraps; a key from elsewhere is refused without touching anything.
    before = keys.identity_file.read_bytes()
    with pytest.raises(SealingError, match="belongs to other keys"):
        keys.unlock_with_recovery_key(Identity.generate().secret(), "third")
    with pytest.raises(SealingError, match="not a valid age identity"):
        keys.unlock_with_recovery_key("AGE-SECRET-KEY-1NOPE", "third")
    assert keys.identity_file.read_bytes() == before
    recovered = keys.unlock_with_recovery_key(f"  {made.recovery}\n", "third passphrase")
    assert recovered.recipient == ident.recipient
    after = keys.identity_file.read_bytes()
    assert after != before and b"-> scrypt " in after and made.recovery.encode() not in after
    assert keys.unlock("third passphrase").recipient == ident.recipient
    assert sorted(p.name for p in keys.folder.iterdir()) == ["identity.age", "recipient.txt"]


def test_recipient_mismatch_is_reported(keys: Keys, ident: Identity) -> None:
    keys.recipient_file.write_text(Identity.generate().recipient + "\n")
    with pytest.raises(SealingError, match="does not match identity.age") as caught:
        keys._check_recipient(ident)  # what unlock() does after unwrapping (scrypt skipped: seconds)
    assert caught.value.path == str(keys.recipient_file)


# --- passphrase input -------------------------------------------------------------------------------------------


def test_passphrase_file_first_line_only(tmp_path: Path) -> None:
    source = tmp_path / "pw"
    source.write_text("  spaces kept  \nsecond line\n")
    assert sealing.read_passphrase(source) == "  spaces kept  "
    source.write_bytes(b"dos line\r\n")
    assert sealing.read_passphrase(source) == "dos line"
    source.write_bytes(b"no newline")
    assert sealing.read_passphrase(source, confirm=True) == "no newline"
    source.write_text("\nlater\n")
    with pytest.raises(SealingError, match="first line is empty"):
        sealing.read_passphrase(source)
    with pytest.raises(SealingError) as caught:
        sealing.read_passphrase(tmp_path / "absent")
    assert one_line(caught.value) == f"{tmp_path / 'absent'}: missing"


def test_passphrase_from_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["one", "one", "one", "two", ""])
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    assert sealing.read_passphrase(None, confirm=True, prompt="New passphrase: ", ask=ask) == "one"
    with pytest.raises(SealingError, match="differ"):
        sealing.read_passphrase(None, confirm=True, ask=ask)
    with pytest.raises(SealingError, match="empty"):
        sealing.read_passphrase(None, ask=ask)
    assert asked[0] == "New passphrase: "
    monkeypatch.setenv("HERENOW_PASSPHRASE", "never read")
    monkeypatch.setattr(sealing, "_has_terminal", lambda: False)
    with pytest.raises(SealingError) as caught:
        sealing.read_passphrase(None)
    assert one_line(caught.value) == "a passphrase is needed: use --passphrase-file"


class FakeKeys(Keys):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.tried: list[str] = []

    def unlock(self, passphrase: str) -> Identity:
        self.tried.append(passphrase)
        if passphrase != "right":
            raise SealingError("wrong passphrase", path=self.identity_file, kind=sealing.WRONG_PASSPHRASE)
        return Identity.generate()


def test_unlock_interactive_three_tries(tmp_path: Path) -> None:
    said: list[str] = []
    keys = FakeKeys(tmp_path)
    answers = iter(["a", "b", "right"])
    assert unlock(keys, None, ask=lambda _: next(answers), say=said.append)
    assert keys.tried == ["a", "b", "right"]
    assert said == ["That passphrase does not open identity.age; please try again."] * 2
    keys = FakeKeys(tmp_path)
    with pytest.raises(SealingError, match="wrong passphrase"):
        unlock(keys, None, ask=lambda _: "nope", say=said.append)
    assert keys.tried == ["nope"] * 3
    source = tmp_path / "pw"
    source.write_text("nope\n")
    keys = FakeKeys(tmp_path)
    with pytest.raises(SealingError, match="wrong passphrase"):
        unlock(keys, source, ask=lambda _: "right", say=said.append)
    assert keys.tried == ["nope"]  # a file gets one try: it will not change its mind


def unlock(keys: Keys, source: Path | None, **kwargs) -> Identity:
    return sealing.unlock_interactive(keys, source, **kwargs)


# --- interop with the standard age tool -------------------------------------------------------------------------


@needs_age
def test_age_cli_opens_herenow_files_and_the_reverse(tmp_path: Path, made: MadeKeys, ident: Identity) -> None:
    plain_identity = tmp_path / "plain-identity.txt"
    plain_identity.write_text(made.recovery + "\n")
    sealed = tmp_path / "r.toml.age"
    sealing.write_sealed(sealed, CANARY, Keys(made.folder).recipient())
    out = subprocess.run([AGE, "-d", "-i", str(plain_identity), str(sealed)], capture_output=True, check=True)
    assert out.stdout == CANARY
    for args in (["-r", ident.recipient], ["-R", str(made.folder / "recipient.txt")], ["-a", "-r", ident.recipient]):
        made_by_age = subprocess.run([AGE, *args], input=CANARY, capture_output=True, check=True).stdout
        assert sealing.is_sealed(made_by_age)
        assert sealing.open_sealed(made_by_age, ident, name="by-age") == CANARY


@needs_age
def test_age_cli_opens_with_identity_age_and_passphrase(tmp_path: Path, made: MadeKeys, ident: Identity) -> None:
    """`age -d -i identity.age file.age`, the passphrase typed on a pseudo-terminal (age reads /dev/tty)."""
    sealed = tmp_path / "r.toml.age"
    out = tmp_path / "out"
    sealing.write_sealed(sealed, CANARY, ident.recipient)
    age_decrypt_on_a_terminal(AGE, made.folder / "identity.age", sealed, out, PASSPHRASE)
    assert out.read_bytes() == CANARY
