"""What a stored ballot records about where it came from and what it says, for the fraud signals.

Written by `submit_ballot` (and `import_ballots`), read by `voting.staff.fraud`.
"""

import ipaddress
import json
from collections.abc import Collection, Mapping, Sequence

from django.utils.crypto import salted_hmac

DIGEST_SALT = "podium.ballot-content-digest"


def network_block(client_ip: str | None) -> str:
    """The address block a ballot came from: "203.0.113.0/24" or "2001:db8:1::/48" ("" if unknown)."""
    if not client_ip:
        return ""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # "::ffff:203.0.113.9" is an IPv4 sender
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def content_digest(selections: Mapping[int, Sequence[int]], ranked: Collection[int]) -> str:
    """A keyed hash of a ballot's choices: equal for two ballots exactly when their choices are equal.

    Order counts only in the `ranked` categories; elsewhere the chosen ids are sorted. Keyed
    with the server's secret (HMAC), so that nobody, staff included, can recompute it from the
    choices in the anonymised ballot export and link a voter to their ballot.
    """
    canonical = json.dumps(
        {str(k): list(v) if k in ranked else sorted(v) for k, v in sorted(selections.items()) if v},
        separators=(",", ":"),
    )
    return salted_hmac(DIGEST_SALT, canonical, algorithm="sha256").hexdigest()
