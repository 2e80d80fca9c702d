// unwind_cxx.cc: C++ stacks for the agent's unwind_check mode: templates
// recursing at compile-time depth, containers growing (operator new from
// libstdc++), exceptions thrown and caught while allocating (the throw
// allocates its exception object, the landing pads free), lambdas through
// std::function and std::sort with an allocating comparator, and threads.
// The test script builds it at several optimization levels.
// Usage: unwind_cxx [rounds]  (prints "done N").
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <cstdio>
#include <cstdlib>

static volatile unsigned long sink;

template <int N>
struct Nest {
  __attribute__((noinline)) static unsigned long run(int salt) {
    std::vector<int> v(static_cast<size_t>(N + salt % 3));
    unsigned long r = v.size() + Nest<N - 1>::run(salt + 1);
    if (N % 3 == 0) {
      auto p = std::make_unique<std::string>(static_cast<size_t>(40 + N), 'x');
      r += p->size();
    }
    return r;
  }
};

template <>
struct Nest<0> {
  static unsigned long run(int salt) { return std::to_string(salt).size(); }
};

struct Thrower {
  std::string name;
  explicit Thrower(int i) : name(std::to_string(i) + " thrower with a long enough name") {
    if (i % 4 == 0) throw std::runtime_error("construction failed: " + name);
  }
};

__attribute__((noinline)) static int throw_deep(int depth, int i) {
  std::vector<std::string> local(2, std::string(30, 'y'));
  if (depth == 0) {
    Thrower t(i);
    return static_cast<int>(t.name.size());
  }
  return throw_deep(depth - 1, i) + static_cast<int>(local.size());
}

__attribute__((noinline)) static int exceptions(int rounds) {
  int caught = 0;
  for (int i = 0; i < rounds; i++) {
    try {
      sink += static_cast<unsigned long>(throw_deep(5 + i % 4, i));
    } catch (const std::exception &e) {
      std::string copy = e.what();
      caught += copy.size() > 0;
    }
  }
  return caught;
}

__attribute__((noinline)) static void containers(int n) {
  std::map<std::string, std::vector<int>> m;
  for (int i = 0; i < n; i++) m[std::to_string(i % 50)].push_back(i);
  std::vector<std::string> keys;
  for (auto &kv : m) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end(), [](const std::string &a, const std::string &b) {
    std::string ca = a + "#", cb = b + "#";
    return ca < cb;
  });
  std::function<void(int)> f = [&](int k) {
    if (k > 0) {
      keys.emplace_back(static_cast<size_t>(k), 'z');
      f(k - 1);
    }
  };
  f(12);
  sink += keys.size();
}

static void round_of_stacks(int i) {
  sink += Nest<24>::run(i);
  sink += static_cast<unsigned long>(exceptions(8));
  containers(200);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; t++)
    threads.emplace_back([rounds] {
      for (int i = 0; i < rounds; i++) round_of_stacks(i);
    });
  for (int i = 0; i < rounds; i++) round_of_stacks(i);
  for (auto &t : threads) t.join();
  std::printf("done %d\n", rounds);
  return 0;
}
