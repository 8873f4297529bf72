#!/usr/bin/python3
"""Tenants made at random for the tests of licensefs plan.

  graph_tenants.py SEED DIR   writes DIR/actual.json (the real tenant) and DIR/desired.json
                              (licensefs's tenant, to import), the same seed the same bytes

The two differ in every way a plan can mend: usage locations set and changed, direct licenses
added, removed and given other disabled plans, group licenses likewise, memberships begun and
ended. Both have the same users, groups, products, seats and names, so that everything can be
planned; some objects carry other ids on licensefs's side (a user matched by UPN, a group by
name, a product by part number, a plan by name). A product's seats are what the fuller of the
two sides uses, often not one more, so that what takes a seat can succeed only after what
frees one.
"""
import json
import os
import random
import sys

sys.dont_write_bytecode = True
from graph_apply import Tenant  # noqa: E402  (after the bytecode switch)

PRODUCTS = ["AAD_PREMIUM", "AAD_PREMIUM_P2", "EMS", "ENTERPRISEPACK", "POWER_BI_PRO"]
LOCATIONS = ["US", "DE", "FR", "GB", "NL", "JP"]
GROUPS = ["Sales", "Engineering", "Security Admins", "Helpdesk"]


def guid(rng):
    return "%08x-%04x-4%03x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),
                                           rng.getrandbits(12), 0x8000 | rng.getrandbits(14),
                                           rng.getrandbits(48))


def subset(rng, items, p):
    return sorted(i for i in items if rng.random() < p)


def made(rng):
    """One tenant by names: products, users, groups and their licenses."""
    products = {}
    for part in subset(rng, PRODUCTS, 0.6) or [PRODUCTS[0]]:
        products[part] = [f"{part}_PLAN{j}" for j in range(1, rng.randint(2, 4) + 1)]
    users = {}
    for i in range(1, rng.randint(5, 12) + 1):
        location = rng.choice(LOCATIONS) if rng.random() < 0.7 else None
        users[f"user{i}@contoso.com"] = {
            "location": location,
            "direct": {part: subset(rng, plans, 0.3) for part, plans in products.items()
                       if location and rng.random() < 0.3}}
    groups = {}
    for name in rng.sample(GROUPS, rng.randint(1, 3)):
        groups[name] = {
            "licenses": {part: subset(rng, plans, 0.3) for part, plans in products.items()
                         if rng.random() < 0.4},
            "members": [u for u in users if rng.random() < 0.4]}
    return {"products": products, "users": users, "groups": groups}


def changed(rng, tenant):
    """licensefs's side: the same tenant with every kind of license change."""
    t = json.loads(json.dumps(tenant))
    products = t["products"]
    for u in t["users"].values():
        if (u["location"] is None and rng.random() < 0.3) or rng.random() < 0.15:
            u["location"] = rng.choice(LOCATIONS)
        for part, plans in products.items():
            if rng.random() < 0.25:
                if part in u["direct"]:
                    del u["direct"][part]
                else:
                    u["location"] = u["location"] or rng.choice(LOCATIONS)
                    u["direct"][part] = subset(rng, plans, 0.3)
            elif part in u["direct"] and rng.random() < 0.2:
                u["direct"][part] = subset(rng, plans, 0.5)
    for g in t["groups"].values():
        for part, plans in products.items():
            if rng.random() < 0.3:
                if part in g["licenses"]:
                    del g["licenses"][part]
                else:
                    g["licenses"][part] = subset(rng, plans, 0.3)
            elif part in g["licenses"] and rng.random() < 0.3:
                g["licenses"][part] = subset(rng, plans, 0.5)
        for upn in t["users"]:
            if rng.random() < 0.2:
                if upn in g["members"]:
                    g["members"].remove(upn)
                else:
                    g["members"].append(upn)
    return t


def used(tenant, part):
    """Users holding a product: directly or through a group."""
    return sum(1 for upn, u in tenant["users"].items()
               if part in u["direct"] or any(part in g["licenses"] and upn in g["members"]
                                             for g in tenant["groups"].values()))


class Ids:
    """A side's ids: the real tenant's, or licensefs's, where some differ."""

    def __init__(self, rng, base=None, p=0.0):
        self.rng, self.base, self.p, self.ids = rng, base, p, {}

    def __call__(self, key):
        if key not in self.ids:
            same = self.base is not None and self.rng.random() >= self.p
            self.ids[key] = self.base(key) if same else guid(self.rng)
        return self.ids[key]


def snapshot(tenant, seats, ids, org):
    """The snapshot of a tenant by names, with group-based licensing run on it."""
    products = tenant["products"]
    skus = [{"skuId": ids(("sku", part)), "skuPartNumber": part,
             "prepaidUnits": {"enabled": seats[part][0], "warning": seats[part][1],
                              "suspended": 0, "lockedOut": 0},
             "servicePlans": [{"servicePlanId": ids(("plan", part, plan)),
                               "servicePlanName": plan} for plan in plans]}
            for part, plans in products.items()]
    users = [{"id": ids(("user", upn)), "userPrincipalName": upn,
              "displayName": upn.split("@")[0].capitalize(), "usageLocation": u["location"],
              "licenseAssignmentStates": [
                  {"assignedByGroup": None, "skuId": ids(("sku", part)), "state": "Active",
                   "disabledPlans": [ids(("plan", part, p)) for p in off]}
                  for part, off in u["direct"].items()]}
             for upn, u in tenant["users"].items()]
    groups = [{"id": ids(("group", name)), "displayName": name,
               "assignedLicenses": [{"skuId": ids(("sku", part)),
                                     "disabledPlans": [ids(("plan", part, p)) for p in off]}
                                    for part, off in g["licenses"].items()],
               "members": [{"id": ids(("user", upn)), "userPrincipalName": upn}
                           for upn in g["members"]]}
              for name, g in tenant["groups"].items()]
    real = Tenant({"organization": org, "subscribedSkus": skus, "users": users,
                   "groups": groups})
    real.process_groups()
    return real.snapshot()


def main(argv):
    if len(argv) != 2:
        print("usage: graph_tenants.py SEED DIR", file=sys.stderr)
        return 2
    rng = random.Random(int(argv[0]))
    actual = made(rng)
    desired = changed(rng, actual)
    seats = {}
    for part in actual["products"]:
        total = max(used(actual, part), used(desired, part)) + rng.choice([0, 0, 1, 2])
        warning = rng.randint(0, total)
        seats[part] = (total - warning, warning)
    org = {"id": guid(rng), "displayName": "Contoso", "countryLetterCode": "US"}
    real_ids = Ids(rng)
    ours = Ids(rng, real_ids, 0.2)
    for name, tenant, ids in (("actual", actual, real_ids), ("desired", desired, ours)):
        with open(os.path.join(argv[1], name + ".json"), "w") as f:
            json.dump(snapshot(tenant, seats, ids, org), f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
