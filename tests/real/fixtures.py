"""fixtures.py: the input files realprogs.py's programs work on, made the same
way on every machine (a fixed pseudo-random sequence, fixed git dates), so
that every run of a program sees the same bytes at the same path."""
import json
import os
import subprocess

HELLO_C = r"""#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; char name[24]; };

static struct node *push(struct node *head, const char *name)
{
  struct node *n = malloc(sizeof *n);
  if (n == NULL)
    return head;
  n->next = head;
  strncpy(n->name, name, sizeof n->name - 1);
  n->name[sizeof n->name - 1] = '\0';
  return n;
}

int main(int argc, char **argv)
{
  struct node *head = NULL;
  for (int i = 0; i < argc; i++)
    head = push(head, argv[i]);
  for (struct node *n = head; n != NULL; n = n->next)
    puts(n->name);
  return 0;
}
"""

HELLO_CC = r"""#include <iostream>
#include <map>
#include <string>
#include <vector>

template <typename K, typename V> std::vector<K> keys(const std::map<K, V> &m)
{
  std::vector<K> out;
  for (const auto &kv : m)
    out.push_back(kv.first);
  return out;
}

int main()
{
  std::map<std::string, int> counts;
  for (const char *w : {"a", "b", "a", "c"})
    counts[w]++;
  for (const auto &k : keys(counts))
    std::cout << k << ' ' << counts[k] << '\n';
}
"""

TCL = r"""set d [dict create]
for {set i 0} {$i < 500} {incr i} { dict set d key$i [expr {$i * $i}] }
set total 0
dict for {k v} $d { incr total $v }
puts "[dict size $d] $total [lsort [lrange [dict keys $d] 0 3]]"
puts [string map {a A} [format "%s-%05d" abracadabra 42]]
"""

SQL = """CREATE TABLE fruit(id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER);
INSERT INTO fruit(name, qty) VALUES ('apple', 3), ('pear', 5), ('apple', 4), ('fig', 1);
CREATE INDEX fruit_name ON fruit(name);
SELECT name, SUM(qty), COUNT(*) FROM fruit GROUP BY name ORDER BY name;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
SELECT COUNT(*), SUM(i), MAX(length(printf('%08d', i))) FROM n;
"""

CMAKE = """cmake_minimum_required(VERSION 3.13)
project(fixture C)
include(CheckIncludeFile)
include(CheckFunctionExists)
check_include_file(stdlib.h HAVE_STDLIB_H)
check_include_file(sys/epoll.h HAVE_SYS_EPOLL_H)
check_function_exists(memfd_create HAVE_MEMFD_CREATE)
add_executable(hello hello.c)
"""


def lcg(seed):
    """A fixed pseudo-random sequence (the same everywhere, unlike random's)."""
    while True:
        seed = (seed * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        yield seed >> 33


def write(path, text):
    mode = "wb" if isinstance(text, bytes) else "w"
    with open(path, mode) as f:
        f.write(text)


def make(d, env):
    """Make the fixture directory d (git runs with env)."""
    os.makedirs(d)
    r = lcg(11)
    words = [f"{next(r) % 10000} word{next(r) % 300}\n" for _ in range(3000)]
    write(os.path.join(d, "words.txt"), "".join(words))
    write(os.path.join(d, "words2.txt"), "".join(w for i, w in enumerate(words) if i % 97 != 5))
    # about 3 MB of text that compresses well but not trivially: several
    # blocks for xz and zstd's worker threads
    big = "".join(f"{next(r) % 100000:05d} {'abcdefghij'[next(r) % 10] * (next(r) % 40)}\n"
                  for _ in range(120000))
    write(os.path.join(d, "big.txt"), big)
    items = [{"name": f"item{i}", "n": next(r) % 1000, "tags": ["x"] * (i % 4)} for i in range(400)]
    write(os.path.join(d, "data.json"), json.dumps({"items": items, "meta": {"v": 1, "by": "fixtures"}}))
    write(os.path.join(d, "hello.c"), HELLO_C)
    write(os.path.join(d, "hello.cc"), HELLO_CC)
    write(os.path.join(d, "script.tcl"), TCL)
    write(os.path.join(d, "script.sql"), SQL)
    os.makedirs(os.path.join(d, "proj"))
    write(os.path.join(d, "proj", "CMakeLists.txt"), CMAKE)
    write(os.path.join(d, "proj", "hello.c"), HELLO_C)
    for sub in ("a", "b/c"):
        os.makedirs(os.path.join(d, "tree", sub))
        for i in range(5):
            write(os.path.join(d, "tree", sub, f"f{i}.txt"), words[i * 7] * (i + 1))
    repo = os.path.join(d, "repo")
    git_env = dict(env, GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="test@example.com",
                   GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="test@example.com",
                   GIT_AUTHOR_DATE="2024-01-01T00:00:00Z", GIT_COMMITTER_DATE="2024-01-01T00:00:00Z")
    os.makedirs(repo)
    steps = [["git", "init", "-q", "-b", "main", "."]]
    for i in range(3):
        steps.append(["sh", "-c", f"printf '%s\\n' {i} >>file{i % 2}.txt"])
        steps.append(["git", "add", "-A"])
        steps.append(["git", "commit", "-q", "-m", f"change {i}"])
    for step in steps:
        subprocess.run(step, cwd=repo, env=git_env, check=True)
