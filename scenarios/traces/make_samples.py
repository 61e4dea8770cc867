#!/usr/bin/env python3
"""Writes the sample traces in this folder. All of them are SYNTHETIC: see README.md for
what each imitates. Deterministic: running it again writes the same bytes.

    python3 scenarios/traces/make_samples.py
"""

import gzip
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def poisson(rng, lam):
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if lam > 50:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def write_gz(path, text):
    # mtime=0 keeps the bytes identical from run to run.
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
            gz.write(text.encode())


# ---------------------------------------------------------------------------------------
# An access log in NASA-HTTP's shape: 13 July 1995, 08:00-12:00 EDT, the morning STS-70
# launched (09:41 EDT).
# ---------------------------------------------------------------------------------------

PATHS = [
    ("/images/NASA-logosmall.gif", 786),
    ("/images/KSC-logosmall.gif", 1204),
    ("/shuttle/countdown/", 3985),
    ("/shuttle/countdown/count70.gif", 46573),
    ("/images/MOSAIC-logosmall.gif", 363),
    ("/images/USA-logosmall.gif", 234),
    ("/images/WORLD-logosmall.gif", 669),
    ("/shuttle/missions/sts-70/mission-sts-70.html", 13482),
    ("/shuttle/missions/sts-70/sts-70-patch-small.gif", 5026),
    ("/shuttle/countdown/liftoff.html", 4538),
    ("/history/apollo/", 6245),
    ("/ksc.html", 7074),
    ("/cgi-bin/imagemap/countdown?107,144", 0),
]


def nasa_host(rng):
    r = rng.random()
    if r < 0.35:
        return "%d.%d.%d.%d" % (rng.randint(128, 207), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
    if r < 0.55:
        return "piweba%dy.prodigy.com" % rng.randint(1, 5)
    if r < 0.7:
        return "www-%s%d.proxy.aol.com" % (rng.choice("abcd"), rng.randint(1, 6))
    if r < 0.85:
        return "ppp%d.%s" % (rng.randint(1, 400), rng.choice(["netcom.com", "ix.netcom.com", "earthlink.net", "dialup.mindspring.com"]))
    return "%s.%s" % (rng.choice(["sun", "mac", "pc", "ws", "lab"]) + str(rng.randint(1, 99)), rng.choice(["cs.umd.edu", "eng.ufl.edu", "ksc.nasa.gov", "jsc.nasa.gov", "uni-stuttgart.de"]))


def access_log():
    rng = random.Random(1995)
    start, hours = 8 * 3600, 4
    launch = 9 * 3600 + 41 * 60
    lines, recent = [], []
    for s in range(start, start + hours * 3600):
        # A weekday morning rising towards midday (~0.9 -> 1.4 req/s), and the launch: interest
        # builds in the hour before lift-off, peaks ~3x just after it and fades over ~40 min.
        base = 0.9 + 0.5 * (s - start) / (hours * 3600)
        if s < launch:
            surge = 1.0 + 1.2 * math.exp(-(launch - s) / 1500.0)
        else:
            surge = 1.0 + 2.2 * math.exp(-(s - launch) / 2400.0)
        for _ in range(poisson(rng, base * surge)):
            late = rng.randint(1, 20) if rng.random() < 0.002 else 0
            t = s - late
            stamp = "[13/Jul/1995:%02d:%02d:%02d -0400]" % (t // 3600, t // 60 % 60, t % 60)
            path, size = rng.choice(PATHS)
            # A page brings its images: most requests come from a host seen moments ago.
            if recent and rng.random() < 0.75:
                host = rng.choice(recent)
            else:
                host = nasa_host(rng)
                recent.append(host)
                if len(recent) > 40:
                    recent.pop(0)
            r = rng.random()
            if r < 0.0004:
                lines.append("%s - - \"GET %s HTTP/1.0\" 200 %d" % (host, path, size))  # no timestamp
            elif r < 0.0015:
                lines.append("%s - - %s \"GET %s HTTP/1.0 200 %d" % (host, stamp, path, size))  # unbalanced quote
            elif r < 0.16:
                lines.append("%s - - %s \"GET %s HTTP/1.0\" 304 -" % (host, stamp, path))
            elif r < 0.175:
                lines.append("%s - - %s \"GET %s HTTP/1.0\" 404 -" % (host, stamp, path.replace("70", "71")))
            else:
                lines.append("%s - - %s \"GET %s HTTP/1.0\" 200 %d" % (host, stamp, path, size))
    # No newline after the last line, as in the NASA files.
    write_gz(os.path.join(HERE, "nasa-like-access.log.gz"), "\n".join(lines))
    return len(lines)


# ---------------------------------------------------------------------------------------
# A Prometheus export: requests per 5 minutes for one week, Europe/Berlin summer time.
# ---------------------------------------------------------------------------------------

def shop_rate(day, minute_of_day):
    """A web shop's requests/s: low at night, a lunch bump, the evening peak, quieter
    Saturday, busy Sunday evening."""
    h = minute_of_day / 60.0
    daily = 0.25 + 0.55 * math.exp(-((h - 12.5) / 2.5) ** 2) + 1.0 * math.exp(-((h - 20.5) / 2.2) ** 2)
    daily += 0.35 * max(0.0, math.sin(math.pi * (h - 7) / 16)) if 7 <= h <= 23 else 0.0
    weekly = [1.0, 0.97, 0.98, 1.0, 1.05, 0.85, 1.15][day]
    return 120.0 * daily * weekly


def prometheus_counts():
    rng = random.Random(2024)
    rows = ["time,requests"]
    # Monday 3 June 2024 00:00 at +02:00.
    for i in range(7 * 288):
        day, minute = divmod(i * 5, 1440)
        if day == 2 and 14 * 60 <= minute < 14 * 60 + 15:
            continue  # a 15-minute scrape gap: the loader counts it as 0 and warns
        count = poisson(rng, shop_rate(day, minute) * 300)
        rows.append("2024-06-%02dT%02d:%02d:00+02:00,%d" % (3 + day, minute // 60, minute % 60, count))
    with open(os.path.join(HERE, "prometheus-counts.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")


def datadog_rate():
    rng = random.Random(7)
    rows = ["timestamp,requests_per_second"]
    t0 = 1717372800000  # 2024-06-03T00:00:00Z, epoch milliseconds
    for i in range(1440):
        rate = shop_rate(0, (i + 120) % 1440)  # the same shop on UTC's clock
        rate *= 1.0 + 0.03 * rng.gauss(0, 1)
        rows.append("%d,%.3f" % (t0 + i * 60000, max(0.0, rate)))
    with open(os.path.join(HERE, "datadog-rate.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")


# ---------------------------------------------------------------------------------------
# Azure Functions 2019 day files: a handful of functions of the kinds the paper describes.
# ---------------------------------------------------------------------------------------

def azure_functions():
    rng = random.Random(2019)
    hexid = lambda: "%064x" % rng.getrandbits(256)
    app_web, app_jobs, app_iot = hexid(), hexid(), hexid()
    owner = hexid()
    functions = [
        # (app, function, trigger, per-minute mean as f(day, minute))
        (app_web, hexid(), "http", lambda d, m: 40 * (0.4 + 0.6 * math.exp(-((m / 60 - 15) / 4) ** 2))),
        (app_web, hexid(), "http", lambda d, m: 6 * (0.3 + 0.7 * math.exp(-((m / 60 - 15) / 4) ** 2))),
        (app_web, hexid(), "queue", lambda d, m: 25 if 540 <= m < 560 or 1080 <= m < 1095 else 0.5),
        (app_jobs, hexid(), "timer", lambda d, m: 1 if m % 5 == 0 else 0),
        (app_jobs, hexid(), "timer", lambda d, m: 1 if m % 60 == 0 else 0),
        (app_jobs, hexid(), "timer", lambda d, m: 1),
        (app_iot, hexid(), "event", lambda d, m: 12 + 4 * math.sin(2 * math.pi * m / 1440)),
        (app_iot, hexid(), "storage", lambda d, m: 3 if 120 <= m < 180 else 0),
        (hexid(), hexid(), "http", lambda d, m: 0.02),
        (hexid(), hexid(), "orchestration", lambda d, m: 0.3 if 600 <= m < 1200 else 0.01),
    ]
    header = "HashOwner,HashApp,HashFunction,Trigger," + ",".join(str(m) for m in range(1, 1441))
    folder = os.path.join(HERE, "azure-functions")
    os.makedirs(folder, exist_ok=True)
    for day in (1, 2):
        rows = [header]
        for app, fn, trigger, mean in functions:
            counts = []
            for m in range(1440):
                lam = mean(day, m)
                counts.append(str(int(lam) if trigger == "timer" else poisson(rng, lam)))
            rows.append("%s,%s,%s,%s,%s" % (owner, app, fn, trigger, ",".join(counts)))
        write_gz(os.path.join(folder, "invocations_per_function_md.anon.d%02d.csv.gz" % day), "\n".join(rows) + "\n")
    return app_web


# ---------------------------------------------------------------------------------------
# Wikimedia hourly projectviews for one day (3 June 2024, UTC), a few projects.
# ---------------------------------------------------------------------------------------

PROJECTS = [
    # (domain code, mean views per hour, UTC hour of its daily peak)
    ("de", 700000, 19), ("de.m", 950000, 20), ("en", 4200000, 16), ("en.m", 6000000, 18),
    ("es", 450000, 1), ("es.m", 1100000, 2), ("fr", 550000, 19), ("fr.m", 700000, 20),
    ("ja", 500000, 13), ("ja.m", 1400000, 13), ("ru", 450000, 17), ("ru.m", 900000, 18),
    ("zh", 300000, 14), ("zh.m", 250000, 14), ("commons.m", 60000, 16), ("en.voy", 9000, 16),
]


def wikipedia():
    rng = random.Random(2406)
    folder = os.path.join(HERE, "wikipedia")
    os.makedirs(folder, exist_ok=True)
    for hour in range(24):
        lines = []
        for code, mean, peak in PROJECTS:
            cycle = 1 + 0.35 * math.cos(2 * math.pi * (hour + 0.5 - peak) / 24)
            lines.append("%s - %d 0" % (code, int(mean * cycle * (1 + 0.02 * rng.gauss(0, 1)))))
        # Named by the hour's END: the views of 00:00-01:00 are in ...-010000.
        end = hour + 1
        name = "projectviews-202406%02d-%02d0000" % (3 + end // 24, end % 24)
        with open(os.path.join(folder, name), "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    n = access_log()
    prometheus_counts()
    datadog_rate()
    app = azure_functions()
    wikipedia()
    print("access log: %d lines; web app hash: %s" % (n, app))
