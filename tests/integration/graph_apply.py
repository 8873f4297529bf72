#!/usr/bin/python3
"""The real tenant, for the tests of licensefs plan: Microsoft Graph's documented semantics of
the requests a plan uses, applied to a tenant snapshot.

  graph_apply.py [--seed N] SNAPSHOT BATCHES   the snapshot after the batches (one JSON batch
                                               body a line), on stdout; exit 1 and a line
                                               "graph_apply: batch B request ID: REASON" for
                                               every request Graph would refuse
  graph_apply.py --compare WANT GOT            exit 0 when GOT has WANT's licenses, disabled
                                               plans, memberships, usage locations and seat
                                               holders, else 1 and a line per difference

What Graph does, as modelled here:
- A batch holds at most 20 requests with unique ids; a request with a body says Content-Type
  application/json; dependsOn takes one of three shapes (none, a chain, all naming one request).
  The requests of a batch run in any order dependsOn allows: --seed N shuffles them (0: as
  written), so a plan that needs an order within a batch fails for some seed.
- PATCH /users/{id} {"usageLocation": "DE"}: an upper-case two-letter code.
- POST /users/{id}/assignLicense: all or nothing. Every skuId is a product of the tenant and
  every disabled plan one of that product's; a license is not both added and removed; a removed
  license is one the user holds directly; an added license needs a usage location, and a seat
  when the user does not hold the product already (removals in the same request free theirs
  first); an added license the user holds directly gets the new disabledPlans (it replaces).
- POST /groups/{id}/assignLicense: the same checks, but no seat and no usage location are
  needed: group-based licensing works on it later.
- POST /groups/{id}/members/$ref adds a user that is not a member; DELETE
  /groups/{id}/members/{userId}/$ref removes one that is.
- Group-based licensing is asynchronous: it runs after each batch, never during one. It first
  ends the assignments that no membership or group license gives any more (freeing their seats),
  then grants, in order (assignments in error first, as Entra retries them, then new ones by
  group and join order), a seat to each assignment whose user lacks one while seats are free;
  the rest are in error (CountViolation) until a later run finds a seat.
"""
import json
import random
import re
import sys

BATCH_MAX = 20
CODE = re.compile(r"[A-Z]{2}")
DIRECTORY_OBJECT = "https://graph.microsoft.com/v1.0/directoryObjects/"


class Refused(Exception):
    """A request Graph refuses (with the reason it gives)."""


class Tenant:
    """A tenant's license state, read from a snapshot and written back as one."""

    def __init__(self, snapshot):
        self.organization = snapshot.get("organization")
        self.skus = {}          # skuId -> the snapshot's subscribedSkus entry
        self.users = {}         # id -> {"upn", "name", "location", "direct", "states"}
        self.groups = {}        # id -> {"name", "licenses": {skuId: [plan]}, "members": [id]}
        for sku in snapshot["subscribedSkus"]:
            self.skus[sku["skuId"]] = sku
        for u in snapshot["users"]:
            direct, states = {}, []
            for s in u.get("licenseAssignmentStates", []):
                if s.get("assignedByGroup"):
                    states.append({"sku": s["skuId"], "group": s["assignedByGroup"],
                                   "disabled": list(s["disabledPlans"]),
                                   "held": s["state"] == "Active"})
                else:
                    direct[s["skuId"]] = {"disabled": list(s["disabledPlans"]),
                                          "held": s["state"] == "Active"}
            self.users[u["id"]] = {"upn": u["userPrincipalName"],
                                   "name": u.get("displayName"),
                                   "location": u.get("usageLocation"),
                                   "direct": direct, "states": states}
        for g in snapshot["groups"]:
            self.groups[g["id"]] = {
                "name": g["displayName"],
                "licenses": {l["skuId"]: list(l["disabledPlans"]) for l in g["assignedLicenses"]},
                "members": [m["id"] for m in g["members"]]}

    # --- seats ---------------------------------------------------------------------------------

    def holds(self, user, sku):
        u = self.users[user]
        d = u["direct"].get(sku)
        return bool(d and d["held"]) or any(s["sku"] == sku and s["held"] for s in u["states"])

    def seats(self, sku):
        units = self.skus[sku].get("prepaidUnits") or {}
        return (units.get("enabled") or 0) + (units.get("warning") or 0)

    def consumed(self, sku):
        return sum(1 for u in self.users if self.holds(u, sku))

    def seat_free(self, sku):
        return self.consumed(sku) < self.seats(sku)

    def process_groups(self):
        """Group-based licensing: frees first, then grants in order."""
        given = {}
        for gid, g in self.groups.items():
            for member in g["members"]:
                for sku, disabled in g["licenses"].items():
                    given[(member, sku, gid)] = disabled
        waiting = []
        for uid, u in self.users.items():
            kept = []
            for s in u["states"]:
                key = (uid, s["sku"], s["group"])
                if key in given:
                    s["disabled"] = list(given.pop(key))
                    kept.append(s)
                    if not s["held"]:
                        waiting.append((uid, s))
            u["states"] = kept
        for (uid, sku, gid), disabled in given.items():
            s = {"sku": sku, "group": gid, "disabled": list(disabled), "held": False}
            self.users[uid]["states"].append(s)
            waiting.append((uid, s))
        for uid, s in waiting:
            s["held"] = self.holds(uid, s["sku"]) or self.seat_free(s["sku"])

    # --- requests ------------------------------------------------------------------------------

    def check_licenses(self, body):
        adds, removes = body.get("addLicenses"), body.get("removeLicenses")
        if not isinstance(adds, list) or not isinstance(removes, list):
            raise Refused("addLicenses and removeLicenses are both required")
        added = {}
        for a in adds:
            sku = a.get("skuId")
            if sku not in self.skus:
                raise Refused(f"no subscription for skuId {sku}")
            plans = {p["servicePlanId"] for p in self.skus[sku]["servicePlans"]}
            for p in a.get("disabledPlans") or []:
                if p not in plans:
                    raise Refused(f"{p} is not a service plan of {sku}")
            if sku in added:
                raise Refused(f"{sku} added twice")
            added[sku] = list(a.get("disabledPlans") or [])
        for sku in removes:
            if sku not in self.skus:
                raise Refused(f"no subscription for skuId {sku}")
            if sku in added:
                raise Refused(f"{sku} both added and removed")
        return added, removes

    def user_assign(self, uid, body):
        u = self.users.get(uid)
        if u is None:
            raise Refused(f"no user {uid}")
        added, removes = self.check_licenses(body)
        for sku in removes:
            if sku not in u["direct"]:
                raise Refused(f"the user has no direct license of {sku} to remove")
        if added and not u["location"]:
            raise Refused("the user has no usage location")
        saved = json.dumps(u)
        for sku in removes:
            del u["direct"][sku]
        for sku, disabled in added.items():
            if not self.holds(uid, sku) and not self.seat_free(sku):
                self.users[uid] = json.loads(saved)
                raise Refused(f"CountViolation: no license of {sku} is available")
            u["direct"][sku] = {"disabled": disabled, "held": True}

    def group_assign(self, gid, body):
        g = self.groups.get(gid)
        if g is None:
            raise Refused(f"no group {gid}")
        added, removes = self.check_licenses(body)
        for sku in removes:
            if sku not in g["licenses"]:
                raise Refused(f"the group has no license of {sku} to remove")
        for sku in removes:
            del g["licenses"][sku]
        g["licenses"].update(added)

    def run(self, method, url, body):
        parts = url.split("/")
        if method == "PATCH" and len(parts) == 3 and parts[1] == "users":
            if parts[2] not in self.users:
                raise Refused(f"no user {parts[2]}")
            if set(body) != {"usageLocation"} or not isinstance(body["usageLocation"], str) \
                    or not CODE.fullmatch(body["usageLocation"]):
                raise Refused(f"not a usage location: {json.dumps(body)}")
            self.users[parts[2]]["location"] = body["usageLocation"]
        elif method == "POST" and len(parts) == 4 and parts[3] == "assignLicense":
            if parts[1] == "users":
                self.user_assign(parts[2], body)
            elif parts[1] == "groups":
                self.group_assign(parts[2], body)
            else:
                raise Refused(f"no such request: {method} {url}")
        elif method == "POST" and len(parts) == 5 and parts[1] == "groups" \
                and parts[3:] == ["members", "$ref"]:
            g = self.groups.get(parts[2])
            ref = (body or {}).get("@odata.id", "")
            uid = ref[len(DIRECTORY_OBJECT):] if ref.startswith(DIRECTORY_OBJECT) else None
            if g is None or uid not in self.users:
                raise Refused(f"no group {parts[2]} or no object {ref}")
            if uid in g["members"]:
                raise Refused("One or more added object references already exist")
            g["members"].append(uid)
        elif method == "DELETE" and len(parts) == 6 and parts[1] == "groups" \
                and parts[3] == "members" and parts[5] == "$ref":
            g = self.groups.get(parts[2])
            if g is None or parts[4] not in g["members"]:
                raise Refused(f"{parts[4]} is not a member of {parts[2]}")
            g["members"].remove(parts[4])
        else:
            raise Refused(f"no such request: {method} {url}")

    # --- the snapshot --------------------------------------------------------------------------

    def snapshot(self):
        users = []
        for uid, u in self.users.items():
            states, holding = [], {}
            for sku, d in u["direct"].items():
                states.append({"assignedByGroup": None, "disabledPlans": d["disabled"],
                               "error": "None" if d["held"] else "CountViolation", "skuId": sku,
                               "state": "Active" if d["held"] else "Error"})
                if d["held"]:
                    holding.setdefault(sku, d["disabled"])
            for s in u["states"]:
                states.append({"assignedByGroup": s["group"], "disabledPlans": s["disabled"],
                               "error": "None" if s["held"] else "CountViolation",
                               "skuId": s["sku"], "state": "Active" if s["held"] else "Error"})
                if s["held"]:
                    holding.setdefault(s["sku"], s["disabled"])
            user = {"id": uid, "userPrincipalName": u["upn"], "displayName": u["name"],
                    "usageLocation": u["location"],
                    "assignedLicenses": [{"disabledPlans": d, "skuId": s}
                                         for s, d in holding.items()],
                    "licenseAssignmentStates": states}
            users.append(user)
        groups = [{"id": gid, "displayName": g["name"],
                   "assignedLicenses": [{"disabledPlans": d, "skuId": s}
                                        for s, d in g["licenses"].items()],
                   "members": [{"id": m, "userPrincipalName": self.users[m]["upn"]}
                               for m in g["members"]]}
                  for gid, g in self.groups.items()]
        skus = []
        for sku, entry in self.skus.items():
            entry = dict(entry)
            entry["consumedUnits"] = self.consumed(sku)
            skus.append(entry)
        out = {"subscribedSkus": skus, "users": users, "groups": groups}
        if self.organization is not None:
            out = {"organization": self.organization, **out}
        return out


def check_batch(requests):
    """Graph's own checks of a batch; returns the requests in an order dependsOn allows."""
    if not isinstance(requests, list) or not 1 <= len(requests) <= BATCH_MAX:
        raise Refused(f"a batch holds 1 to {BATCH_MAX} requests")
    ids = [r.get("id") for r in requests]
    if len(set(ids)) != len(ids) or not all(isinstance(i, str) and i for i in ids):
        raise Refused("request ids are not unique")
    for r in requests:
        if "body" in r and (r.get("headers") or {}).get("Content-Type") != "application/json":
            raise Refused(f"request {r['id']}: a body without Content-Type application/json")
        if not str(r.get("url", "")).startswith("/"):
            raise Refused(f"request {r['id']}: not a relative URL")
    deps = [r.get("dependsOn") or [] for r in requests]
    named = {d for ds in deps for d in ds}
    if any(len(ds) > 1 for ds in deps) or not named <= set(ids):
        raise Refused("dependsOn names more than one request or an unknown one")
    serial = all(deps[i] == [ids[i - 1]] for i in range(1, len(ids))) and not deps[0]
    one_target = len(named) == 1 and all(ds == list(named) or ids[i] in named
                                         for i, ds in enumerate(deps))
    if named and not serial and not one_target:
        raise Refused("dependsOn is neither all parallel, all serial nor all on one request")
    return named, serial


def apply(snapshot_path, batches_path, seed):
    with open(snapshot_path) as f:
        tenant = Tenant(json.load(f))
    shuffle = random.Random(seed)
    failures = 0
    with open(batches_path) as f:
        lines = f.read().splitlines()
    for b, line in enumerate(lines, 1):
        try:
            requests = json.loads(line)["requests"]
            named, serial = check_batch(requests)
        except (Refused, ValueError, KeyError, TypeError) as e:
            print(f"graph_apply: batch {b}: {e}", file=sys.stderr)
            failures += 1
            continue
        order = list(requests)
        if seed and not serial:
            first = [r for r in order if r["id"] in named]
            rest = [r for r in order if r["id"] not in named]
            shuffle.shuffle(rest)
            order = first + rest
        for r in order:
            try:
                tenant.run(r["method"], r["url"], r.get("body"))
            except Refused as e:
                print(f"graph_apply: batch {b} request {r['id']}: {e}", file=sys.stderr)
                failures += 1
        tenant.process_groups()
    json.dump(tenant.snapshot(), sys.stdout, indent=2)
    print()
    return 1 if failures else 0


def license_state(snapshot):
    """What the plan must make equal, by the names both sides share."""
    skus = {s["skuId"]: s["skuPartNumber"] for s in snapshot["subscribedSkus"]}
    plans = {p["servicePlanId"]: p["servicePlanName"]
             for s in snapshot["subscribedSkus"] for p in s["servicePlans"]}
    upns = {u["id"]: u["userPrincipalName"].lower() for u in snapshot["users"]}

    def licenses(entries):
        return {skus[e["skuId"]]: sorted(plans[p] for p in e["disabledPlans"]) for e in entries}

    state = {}
    for u in snapshot["users"]:
        states = u.get("licenseAssignmentStates", [])
        state[f"user {upns[u['id']]}"] = {
            "usage location": u.get("usageLocation") or "",
            "direct licenses": licenses(s for s in states if not s.get("assignedByGroup")),
            "holds": sorted({skus[s["skuId"]] for s in states if s["state"] == "Active"})}
    for g in snapshot["groups"]:
        state[f"group {g['displayName']}"] = {
            "licenses": licenses(g["assignedLicenses"]),
            "members": sorted(upns[m["id"]] for m in g["members"])}
    return state


def compare(want_path, got_path):
    with open(want_path) as f:
        want = license_state(json.load(f))
    with open(got_path) as f:
        got = license_state(json.load(f))
    differences = 0
    for name in sorted(set(want) | set(got)):
        w, g = want.get(name), got.get(name)
        if w is None or g is None:
            print(f"graph_apply: {name}: only in {'GOT' if w is None else 'WANT'}",
                  file=sys.stderr)
            differences += 1
            continue
        for key in w:
            if w[key] != g[key]:
                print(f"graph_apply: {name}: {key} {json.dumps(w[key])} wanted, "
                      f"{json.dumps(g[key])} after the plan", file=sys.stderr)
                differences += 1
    return 1 if differences else 0


def main(argv):
    if len(argv) == 3 and argv[0] == "--compare":
        return compare(argv[1], argv[2])
    seed = 0
    if len(argv) == 4 and argv[0] == "--seed":
        seed, argv = int(argv[1]), argv[2:]
    if len(argv) != 2:
        print("usage: graph_apply.py [--seed N] SNAPSHOT BATCHES | --compare WANT GOT",
              file=sys.stderr)
        return 2
    return apply(argv[0], argv[1], seed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
