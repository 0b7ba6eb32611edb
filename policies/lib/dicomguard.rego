# Messages are built with concat, not sprintf: regopy 1.5.2 quotes a computed string passed
# to sprintf after the first argument (see docs/decisions.md).
# Helpers shared by the built-in rules and available to user policies.
# Facts are prepared in Python (address arithmetic included), so these stay plain comparisons.
package dicomguard.lib

# The DICOM / PACS port catalogue: the shipped data plus ports added in user configuration.
catalogue := array.concat(
	data.dicomguard.catalogue.ports,
	object.get(input, ["settings", "extra_ports"], []),
)

# Catalogue entries an ingress fact lets in. Unknown ports or protocol admit every entry.
reachable_ports(fact) := {entry |
	some entry in catalogue
	protocol_matches(fact.protocol, entry.protocol)
	port_covered(fact.ports, entry.port)
}

protocol_matches(null, _)

protocol_matches("all", _)

protocol_matches(fact_protocol, port_protocol) if fact_protocol == port_protocol

port_covered(null, _)

port_covered(ranges, port) if {
	some range in ranges
	range[0] <= port
	port <= range[1]
}

internet_peer(fact) if {
	some peer in fact.peers
	peer.scope == "internet"
}

unknown_peer(fact) if {
	some peer in fact.peers
	peer.scope == "unknown"
}

# "confirmed" when every part of the exposure is known, "unresolved" when some part is not;
# undefined when the fact admits no internet traffic at all.
exposure(fact) := "confirmed" if {
	internet_peer(fact)
	fact.ports != null
	fact.protocol != null
}

exposure(fact) := "unresolved" if {
	internet_peer(fact)
	not all_known(fact)
}

exposure(fact) := "unresolved" if {
	not internet_peer(fact)
	unknown_peer(fact)
}

all_known(fact) if {
	fact.ports != null
	fact.protocol != null
}

# A tri-state field: true is safe, false is a confirmed problem, null could not be known.
confidence_of(false) := "confirmed"

confidence_of(null) := "unresolved"

# Numbers in ascending order. Use it instead of sort() on numbers: regopy 1.5.2 sorts an array
# of numbers as text (sort([104, 4242, 11112]) gives [104, 11112, 4242]).
ascending(values) := [value |
	some rank in numbers.range(0, count(values) - 1)
	some value in values
	count({other | some other in values; other < value}) == rank
]

# The label a finding gives a fact: its resource address, else file and line.
label(fact) := fact.origin.address if fact.origin.address != ""

label(fact) := concat(":", [fact.origin.file, format_int(fact.origin.line, 10)]) if fact.origin.address == ""

# The route a fact's traffic takes through a hop in front of the host (a DNAT, a load
# balancer), for messages: adapters write such a path as "internet -> hop -> backend".
route(fact) := concat("", [" through ", fact.path]) if {
	startswith(fact.path, "internet -> ")
} else := ""

# The sources that make a fact an exposure, for messages.
sources(fact) := concat(", ", sort({peer_text(peer) |
	some peer in fact.peers
	peer.scope in {"internet", "unknown"}
}))

peer_text(peer) := peer.cidr if {
	peer.cidr
} else := peer.tag if {
	peer.tag
} else := "an unknown source"

# The way in, for a service reached through a reverse proxy (": internet -> proxy:80 ..."),
# else empty.
via(fact) := concat("", [": ", fact.path]) if object.get(fact, "path", "") != ""

via(fact) := "" if object.get(fact, "path", "") == ""

# Severities, worst first.
severity_scale := ["critical", "high", "medium", "low"]

# How many steps below its worst severity a finding drops with the reach of the service it
# is about: a service anyone on the internet reaches gets the worst, one whose reach cannot be
# known one step less, one only other machines or containers of its network reach two. A
# service only its own host reaches ("local") is not reached by anyone else: no finding.
reach_steps := {"internet": 0, "unknown": 1, "network": 2}

# The severity of a finding about a service with this reach, for a rule whose worst case
# (the internet) is worst. Rules that weigh reach all read it here.
reach_severity(worst, reach) := severity_scale[min({count(severity_scale) - 1, rank + reach_steps[reach]})] if {
	some rank, name in severity_scale
	name == worst
}

# The reach of a service, for messages.
reach_text("internet") := ", reachable from the internet"

reach_text("network") := ", reachable from other machines or containers on its network"

reach_text("unknown") := " (reachability unknown)"
