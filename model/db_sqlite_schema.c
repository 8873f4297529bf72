/*
 * The SQL text of the SQLite backend (db_sqlite.c): the schema's DDL, one migration per
 * version, and the temporary triggers that capture what each change touched. Text only, in
 * SQLite's dialect; another backend writes the same tables in its own.
 */
#include "db_backend.h"

/*
 * The seats table holds one row per (product, user) the user has a claim to, through a direct
 * path or a licensed group: `active` says whether it holds a seat or waits, `queue` orders the
 * waiters. products.assigned and products.waiting count those rows so nothing counts them.
 */
static const char schema_v1[] =
        "CREATE TABLE tenant ("
        "  id INTEGER PRIMARY KEY CHECK (id = 1),"
        "  name TEXT NOT NULL,"
        "  usage_location TEXT NOT NULL,"
        "  next_queue INTEGER NOT NULL DEFAULT 1);"
        "INSERT INTO tenant (id, name, usage_location) VALUES (1, 'Default Directory', 'US');"
        "CREATE TABLE products ("
        "  id INTEGER PRIMARY KEY,"
        "  sku TEXT NOT NULL UNIQUE,"
        "  name TEXT NOT NULL,"
        "  sku_id TEXT NOT NULL DEFAULT '',"
        "  total INTEGER NOT NULL DEFAULT 0,"
        "  expiring_soon INTEGER NOT NULL DEFAULT 0,"
        "  assigned INTEGER NOT NULL DEFAULT 0,"
        "  waiting INTEGER NOT NULL DEFAULT 0,"
        "  created INTEGER NOT NULL,"
        "  CHECK (0 <= assigned AND assigned <= total),"
        "  CHECK (0 <= expiring_soon AND expiring_soon <= total),"
        "  CHECK (waiting = 0 OR assigned = total));"
        "CREATE TABLE users ("
        "  id INTEGER PRIMARY KEY,"
        "  upn TEXT NOT NULL UNIQUE,"
        "  display_name TEXT NOT NULL,"
        "  usage_location TEXT NOT NULL DEFAULT '',"
        "  created INTEGER NOT NULL);"
        "CREATE TABLE security_groups ("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT NOT NULL UNIQUE,"
        "  created INTEGER NOT NULL);"
        "CREATE TABLE members ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT," /* join order: ids are never reused */
        "  group_id INTEGER NOT NULL REFERENCES security_groups(id),"
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  since INTEGER NOT NULL,"
        "  UNIQUE (group_id, user_id));"
        "CREATE INDEX members_by_user ON members (user_id, group_id);"
        "CREATE TABLE group_licenses ("
        "  group_id INTEGER NOT NULL REFERENCES security_groups(id),"
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  since INTEGER NOT NULL,"
        "  PRIMARY KEY (group_id, product_id)) WITHOUT ROWID;"
        "CREATE INDEX group_licenses_by_product ON group_licenses (product_id, group_id);"
        "CREATE TABLE seats ("
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  active INTEGER NOT NULL,"
        "  direct INTEGER NOT NULL,"
        "  since INTEGER NOT NULL,"
        "  queue INTEGER NOT NULL,"
        "  PRIMARY KEY (product_id, user_id)) WITHOUT ROWID;"
        "CREATE INDEX seats_by_user ON seats (user_id, product_id);"
        "CREATE INDEX seats_queue ON seats (product_id, active, queue);";

/*
 * Version 2: deleted users, service plans and assignment options, the audit log.
 * A deleted user keeps its users row (users.deleted is the deletion time) and its seats rows,
 * suspended (active = 2, counted nowhere); its memberships move to inactive_members, and the
 * groups through which it held each product are kept in suspended_paths as they were.
 */
static const char schema_v2[] =
        "ALTER TABLE users ADD COLUMN deleted INTEGER;"
        "CREATE INDEX users_deleted ON users (deleted) WHERE deleted IS NOT NULL;"
        "CREATE TABLE inactive_members ("
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  group_id INTEGER NOT NULL REFERENCES security_groups(id),"
        "  since INTEGER NOT NULL,"
        "  PRIMARY KEY (user_id, group_id)) WITHOUT ROWID;"
        "CREATE INDEX inactive_members_by_group ON inactive_members (group_id);"
        "CREATE TABLE suspended_paths ("
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  group_name TEXT NOT NULL,"
        "  PRIMARY KEY (user_id, product_id, group_name)) WITHOUT ROWID;"
        "CREATE TABLE plans ("
        "  id INTEGER PRIMARY KEY,"
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  name TEXT NOT NULL,"
        "  UNIQUE (product_id, name));"
        "CREATE TABLE direct_disabled_plans ("
        "  product_id INTEGER NOT NULL,"
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,"
        "  PRIMARY KEY (product_id, user_id, plan_id)) WITHOUT ROWID;"
        "CREATE TABLE group_disabled_plans ("
        "  product_id INTEGER NOT NULL,"
        "  group_id INTEGER NOT NULL REFERENCES security_groups(id),"
        "  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,"
        "  PRIMARY KEY (product_id, group_id, plan_id)) WITHOUT ROWID;"
        "CREATE TABLE audit ("
        "  id INTEGER PRIMARY KEY,"     /* the line's number: oldest first */
        "  time INTEGER NOT NULL,"
        "  uid INTEGER,"                /* NULL: licensefs itself */
        "  op TEXT NOT NULL,"
        "  object TEXT NOT NULL,"
        "  result TEXT NOT NULL,"
        "  reason TEXT NOT NULL DEFAULT '',"
        "  start INTEGER NOT NULL,"     /* byte offset of the line in the whole log */
        "  len INTEGER NOT NULL);"      /* its length in bytes, newline included */
        "CREATE INDEX audit_by_start ON audit (start);";

/*
 * Version 3: the ids real data carries. A part number seen with several skuIds keeps them all
 * (sku_aliases; products.sku_id is the first seen, which export uses); plans get their GUID and
 * friendly name; users, groups and the tenant keep their directory object ids.
 */
static const char schema_v3[] =
        "CREATE TABLE sku_aliases ("
        "  sku_id TEXT PRIMARY KEY,"    /* lower-case GUID */
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  seen INTEGER NOT NULL);"     /* order first seen */
        "CREATE INDEX sku_aliases_by_product ON sku_aliases (product_id, seen);"
        "ALTER TABLE plans ADD COLUMN guid TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE plans ADD COLUMN friendly_name TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE users ADD COLUMN object_id TEXT;"
        "CREATE UNIQUE INDEX users_by_object_id ON users (object_id) WHERE object_id IS NOT NULL;"
        "ALTER TABLE security_groups ADD COLUMN object_id TEXT;"
        "CREATE UNIQUE INDEX groups_by_object_id ON security_groups (object_id) "
        "WHERE object_id IS NOT NULL;"
        "ALTER TABLE tenant ADD COLUMN object_id TEXT;";

/* Version 4: the service-plan rules (conflicting plans, add-ons and their prerequisites). */
static const char schema_v4[] =
        "CREATE TABLE plan_conflicts ("
        "  set_no INTEGER NOT NULL,"
        "  plan TEXT NOT NULL,"
        "  PRIMARY KEY (set_no, plan)) WITHOUT ROWID;"
        "CREATE INDEX plan_conflicts_by_plan ON plan_conflicts (plan);"
        "CREATE TABLE plan_dependencies ("
        "  plan TEXT NOT NULL,"
        "  needs TEXT NOT NULL,"
        "  PRIMARY KEY (plan, needs)) WITHOUT ROWID;"
        "CREATE INDEX plan_dependencies_by_needs ON plan_dependencies (needs);"
        PLAN_RULES_DEFAULT_SQL;

/*
 * Version 5: a claim a service-plan rule holds back through a group (seats.active = 3, no seat,
 * counted nowhere) and why: "KIND: text", KIND MutuallyExclusiveViolation or DependencyViolation.
 * Subscriptions: a product's seats, which lapse on a date (ends: epoch seconds, 0: never),
 * and with them the rule that assigned never exceeds total, which a lapse may break (nobody
 * loses a seat). SQLite cannot drop a CHECK: the table's definition is edited in place, as its
 * documentation allows for constraints, and the schema version is raised with it
 * (sqlite_schema_version_set).
 */
static const char schema_v5[] =
        "ALTER TABLE seats ADD COLUMN reason TEXT NOT NULL DEFAULT '';"
        "CREATE TABLE subscriptions ("
        "  id INTEGER PRIMARY KEY,"
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  name TEXT NOT NULL,"
        "  seats INTEGER NOT NULL DEFAULT 0,"
        "  ends INTEGER NOT NULL DEFAULT 0,"
        "  trial INTEGER NOT NULL DEFAULT 0,"
        "  status TEXT NOT NULL DEFAULT 'Enabled',"
        "  created INTEGER NOT NULL,"
        "  UNIQUE (product_id, name),"
        "  CHECK (seats >= 0),"
        "  CHECK (status IN ('Enabled', 'Warning', 'Suspended')));"
        "PRAGMA writable_schema = ON;"
        "UPDATE sqlite_master SET sql = replace(replace(sql, "
        "'CHECK (0 <= assigned AND assigned <= total)', 'CHECK (0 <= assigned)'), "
        "'CHECK (waiting = 0 OR assigned = total)', 'CHECK (waiting = 0 OR assigned >= total)') "
        "WHERE type = 'table' AND name = 'products';"
        "PRAGMA writable_schema = OFF;";

/*
 * Version 6: fewer pages per commit. A product's claims are looked up by state only for those
 * without a seat: waiters by their place in the queue, held-back claims (rare) to count and
 * list them. So only they are indexed by state, each state by itself (SQLite uses a partial
 * index for a query that names its condition; the state is a column too, so that the planner
 * prefers it to the primary key without statistics): a seat granted or given back writes no
 * index page for it. The audit log's lines are found by offset with a search over their ids
 * (audit.c), since offsets grow with ids: an index of offsets cost one more page on every
 * audited change.
 */
static const char schema_v6[] =
        "DROP INDEX seats_queue;"
        "CREATE INDEX seats_waiting ON seats (product_id, active, queue) WHERE active = 0;"
        "CREATE INDEX seats_blocked ON seats (product_id, active) WHERE active = 3;"
        "DROP INDEX audit_by_start;";

/*
 * Version 7: nothing in the file. A seat's change is reported as the user's claim to that one
 * product (MODEL_CHANGE_SEAT), and a change of the tenant's name or usage location at all,
 * which this backend's capture, made by each connection, does from this version on;
 * PostgreSQL's capture is in its schema, and changed with it.
 */
static const char schema_v7[] = "";

/* migrations[v] brings a version-v database to version v + 1. */
const char *const sqlite_migrations[SCHEMA_VERSION] = { schema_v1, schema_v2, schema_v3,
                                                        schema_v4, schema_v5, schema_v6,
                                                        schema_v7 };

/* A product's plan names while model_plans_set replaces them. */
const char sqlite_scratch_sql[] = "CREATE TEMP TABLE wanted_plans (name TEXT PRIMARY KEY)";

/*
 * Temporary triggers on this connection only: every table a change can write reports the names
 * it touched into temp.changes, in the change's own transaction, so a rolled-back change
 * reports nothing and no code path that writes can forget to report.
 */
#define USER_OF(id) "SELECT 1, upn, '' FROM main.users WHERE id = " id
#define SEAT_OF(row) "SELECT 6, u.upn, p.sku FROM main.users u, main.products p WHERE u.id = " \
        row ".user_id AND p.id = " row ".product_id"
#define MEMBERS_OF(id) "SELECT 1, u.upn, '' FROM main.members mb JOIN main.users u ON " \
        "u.id = mb.user_id WHERE mb.group_id = " id
#define ON(event, table, name, body) \
        "CREATE TEMP TRIGGER " name " AFTER " event " ON main." table " BEGIN " body "; END;"
#define NOTE "INSERT OR IGNORE INTO changes "

/* Kinds as in enum model_change_kind. */
const char sqlite_capture_sql[] =
        "CREATE TEMP TABLE changes (kind INTEGER NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL,"
        "  UNIQUE (kind, a, b));"
        /* a user's claim to a product: its seat or wait, direct path, options, kept paths */
        ON("INSERT", "seats", "ch_seat_new", NOTE SEAT_OF("NEW"))
        ON("UPDATE", "seats", "ch_seat_set", NOTE SEAT_OF("NEW"))
        ON("DELETE", "seats", "ch_seat_gone", NOTE SEAT_OF("OLD"))
        ON("INSERT", "members", "ch_member_new", NOTE USER_OF("NEW.user_id"))
        ON("DELETE", "members", "ch_member_gone", NOTE USER_OF("OLD.user_id"))
        ON("INSERT", "inactive_members", "ch_inactive_new", NOTE USER_OF("NEW.user_id"))
        ON("DELETE", "inactive_members", "ch_inactive_gone", NOTE USER_OF("OLD.user_id"))
        ON("INSERT", "suspended_paths", "ch_suspended_new", NOTE SEAT_OF("NEW"))
        ON("DELETE", "suspended_paths", "ch_suspended_gone", NOTE SEAT_OF("OLD"))
        ON("INSERT", "direct_disabled_plans", "ch_ddp_new", NOTE SEAT_OF("NEW"))
        ON("DELETE", "direct_disabled_plans", "ch_ddp_gone", NOTE SEAT_OF("OLD"))
        ON("UPDATE", "users", "ch_user_set", NOTE "VALUES (1, OLD.upn, ''), (1, NEW.upn, '')")
        ON("DELETE", "users", "ch_user_gone", NOTE "VALUES (1, OLD.upn, '')")
        ON("INSERT", "users", "ch_user_new", NOTE "VALUES (1, NEW.upn, '')")
        /* the tenant's own files (rare: everything) */
        ON("UPDATE OF name, usage_location", "tenant", "ch_tenant_set",
           NOTE "VALUES (5, '', '')")
        /* a product's own files; a rename or plan change shows in every record of it */
        ON("UPDATE OF total, expiring_soon, assigned, waiting", "products", "ch_counts",
           NOTE "VALUES (2, NEW.sku, '')")
        ON("UPDATE OF sku, name, sku_id", "products", "ch_product_set",
           NOTE "VALUES (5, '', '')")
        ON("DELETE", "products", "ch_product_gone", NOTE "VALUES (5, '', '')")
        ON("INSERT", "plans", "ch_plan_new", NOTE "VALUES (5, '', '')")
        ON("UPDATE", "plans", "ch_plan_set", NOTE "VALUES (5, '', '')")
        ON("DELETE", "plans", "ch_plan_gone", NOTE "VALUES (5, '', '')")
        /* a group's license: both its files, and the records of every member */
        ON("INSERT", "group_licenses", "ch_gl_new",
           NOTE "SELECT 4, g.name, p.sku FROM main.security_groups g, main.products p "
           "WHERE g.id = NEW.group_id AND p.id = NEW.product_id; "
           NOTE MEMBERS_OF("NEW.group_id"))
        ON("DELETE", "group_licenses", "ch_gl_gone",
           NOTE "SELECT 4, g.name, p.sku FROM main.security_groups g, main.products p "
           "WHERE g.id = OLD.group_id AND p.id = OLD.product_id; "
           NOTE MEMBERS_OF("OLD.group_id"))
        ON("INSERT", "group_disabled_plans", "ch_gdp_new", NOTE MEMBERS_OF("NEW.group_id"))
        ON("DELETE", "group_disabled_plans", "ch_gdp_gone", NOTE MEMBERS_OF("OLD.group_id"))
        ON("DELETE", "security_groups", "ch_group_gone", NOTE "VALUES (3, OLD.name, '')")
        /* a subscription: its product's numbers and its own files, anywhere (rare) */
        ON("INSERT", "subscriptions", "ch_sub_new", NOTE "VALUES (5, '', '')")
        ON("UPDATE", "subscriptions", "ch_sub_set", NOTE "VALUES (5, '', '')")
        ON("DELETE", "subscriptions", "ch_sub_gone", NOTE "VALUES (5, '', '')");
