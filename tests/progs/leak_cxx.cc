// leak_cxx.cc: leak-check accuracy program for C++ allocations.  A
// three-node list made with new (head definite, rest indirect), an
// int[100] and an array of objects with a destructor (new[] cookie) are
// lost; an object array held through new[]'s returned pointer (newarray
// heuristic), an object held through its second base (multiple-inheritance
// heuristic), a std::string and a std::vector stay reachable.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

struct Node {
  Node *next;
  long value;
};

struct Obj {
  long x;
  ~Obj() { x = 0; }
};

struct BaseA {
  virtual ~BaseA() {}
  long a = 1;
};

struct BaseB {
  virtual ~BaseB() {}
  long b = 2;
};

struct Both : BaseA, BaseB {
  long c = 3;
};

static Obj *g_objs;
static BaseB *g_second_base;
static std::string *g_str;
static std::vector<int> *g_vec;

static void scrub_stack()
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static long leak_list()
{
  Node *head = nullptr;
  for (long v = 1; v <= 3; v++)
    head = new Node{head, v};
  return head->value;
}

static long leak_arrays()
{
  int *ints = new int[100];
  memset(ints, 0, 100 * sizeof *ints);
  Obj *objs = new Obj[10];
  for (int i = 0; i < 10; i++)
    objs[i].x = i;
  return ints[5] + objs[9].x;
}

static long keep()
{
  g_objs = new Obj[6];
  for (int i = 0; i < 6; i++)
    g_objs[i].x = i;
  g_second_base = new Both;
  g_str = new std::string(100, 'z');
  g_vec = new std::vector<int>(1000, 1);
  return g_second_base->b + (long)g_str->size() + (long)g_vec->size();
}

static long run()
{
  return leak_list() + leak_arrays() + keep();
}

int main()
{
  long sum = run();
  scrub_stack();
  std::printf("leak_cxx: %ld\n", sum);
  return 0;
}
