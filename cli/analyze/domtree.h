/*
 * analyze/domtree.h: dominator trees and retained sizes, for retention analysis
 * (`leakscope retain`: which root or block keeps how many heap bytes
 * alive, like the dominator tree of Eclipse MAT).
 *
 * A node d dominates v when every path from the root to v goes through d;
 * the immediate dominator of v is its closest strict dominator.  Freeing
 * (or dropping the last reference to) v frees everything v dominates, so
 * the bytes v retains are the sizes summed over its dominator subtree.
 *
 * domtree_compute is Lengauer-Tarjan with path compression, O(E log N),
 * and recursion-free, so graphs shaped like linked lists of millions of
 * nodes are fine.  Nothing here keeps state between calls.
 */
#ifndef LEAKSCOPE_DOMTREE_H
#define LEAKSCOPE_DOMTREE_H

#include <stdint.h>

#define DOMTREE_NONE UINT32_MAX

/* Dominator tree of a directed graph with nodes 0..n-1 whose edges are given in CSR form:
 * the successors of v are out_to[out_start[v] .. out_start[v+1]-1] (out_start has n+1 entries).
 * Fills idom[v] (immediate dominator of v; idom[root] = root; DOMTREE_NONE for nodes not
 * reachable from root) and order[0..*norder-1], the reachable nodes in DFS preorder from root
 * (every node comes after its immediate dominator, so summing sizes over order in reverse
 * gives subtree totals).  Returns 0, or -1 when out of memory (nothing else can fail; then
 * every idom[v] is DOMTREE_NONE and *norder is 0).
 * idom and order have n entries each.  Self-loops, duplicate edges and edges into the root
 * are allowed; every out_to entry must be < n.  If root >= n (n == 0 included), nothing is
 * reachable: every idom[v] is DOMTREE_NONE and *norder is 0. */
int domtree_compute(uint32_t n, const uint64_t *out_start, const uint32_t *out_to, uint32_t root,
                    uint32_t *idom, uint32_t *order, uint32_t *norder);

/* Retained totals: retained[v] = own[v] summed over v's dominator subtree (v included), for
 * reachable v; 0 for unreachable ones. order/norder as domtree_compute gave them. */
void domtree_retained(uint32_t n, const uint32_t *idom, const uint32_t *order, uint32_t norder,
                      const uint64_t *own, uint64_t *retained);

#endif
