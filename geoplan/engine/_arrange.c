/* geoplan._arrange: the planar arrangement behind geoplan's clean dissolve.
 *
 * Input: the rings of many source polygons (a dirty coverage: neighbours
 * overlap and leave gaps), each source with a group.  Output: one polygon
 * per group, the groups forming a clean coverage, and the pieces that were
 * repaired (each gap face, each overlap region), with the rule applied.
 *
 * Model.  Coordinates are rounded once to a grid whose unit is a power of
 * two (about a micrometre on a national layer: geoplan.engine.arrange
 * .grid_unit, 2^40 units across the layer), so that grid points are exact
 * doubles and every predicate below is exact in 64- and 128-bit integers.
 * The rounded rings are the input from then on: a ring that crosses itself
 * (or another ring of its polygon) after rounding is still read by winding
 * numbers, so nothing breaks; vertices move by at most half a grid step.
 * (GEOS rounds vertices during snap rounding instead, to keep the float
 * input's topology exactly; at a micrometre the difference is below what
 * any layer can mean, and the integer input makes everything exact.)
 *
 * Steps, each exact:
 *  1. Nodes and segments.  Rounded vertices, duplicates merged, are nodes,
 *     sorted by grid cell.  Ring edges become unique segments (a < b by
 *     node id), each carrying per source the change of that source's
 *     winding number across it (+1: the polygon lies to the left of a->b);
 *     a segment whose contributions cancel (a ring running back over itself)
 *     is dropped.
 *  2. Crossings.  Segments are listed in the cells of a coarse grid they
 *     pass within two units of; each crossing of two segment interiors at a
 *     single point is computed exactly, reported once (by the cell holding
 *     the exact point) and rounded to the pixel containing it.
 *  3. Snap rounding (Hobby, "Practical segment intersection with finite
 *     precision output", CGTA 13, 1999; Guibas & Marimont, "Rounding
 *     arrangements dynamically", IJCGA 8, 1998; Goodrich, Guibas,
 *     Hershberger & Tanenbaum, "Snap rounding line segments efficiently in
 *     two and three dimensions", SoCG 1997).  Every node and every rounded
 *     crossing is a hot pixel: the half-open unit square [x - 1/2, x + 1/2)
 *     x [y - 1/2, y + 1/2) around it, so that pixels tile the plane.  Each
 *     segment that passes through hot pixels other than its ends becomes the
 *     polyline through their centres, in order along the segment.  One pass
 *     over the segments; nothing is iterated.  Invariants:
 *       a. fragments meet only at their ends (Hobby's theorem): the snapped
 *          segments form a planar straight-line graph;
 *       b. no node lies inside a fragment: if node c lay on fragment a-b of
 *          segment s, c = (1 - t) a + t b, and s meets the pixels of a and b
 *          at points pa, pb, then (1 - t) pa + t pb is a point of s in c's
 *          pixel (pixels are translates of one convex set), so s was bent
 *          through c between a and b;
 *       c. a vertex moves by at most half a grid step, a segment by less
 *          than sqrt(2) / 2 of one, and only within the pixels it crosses.
 *     Iterated snap rounding (Halperin & Packer, "Iterated snap rounding",
 *     CGTA 23, 2002), which this engine used before, snaps the fragments
 *     again until none passes through a pixel it does not end in.  That
 *     keeps vertices half a pixel off other edges, which no step here needs,
 *     at the price of unbounded rounds and drift: a staircase of 65
 *     collinear vertices beside a thin triangle needed 65 rounds (the
 *     64-round limit raised OverflowError on a valid layer).
 *  4. Edges.  Fragments with the same ends are merged and their
 *     contributions summed by group: a border between polygons of one group
 *     cancels and the edge is dropped; nodes no edge uses are dropped.
 *  5. Faces.  Half-edges sorted by angle around each node give the face
 *     cycles; each connected component is placed in its container by a
 *     horizontal ray from its leftmost node.  The coverage of every face
 *     (the groups winding around it, and how many times) is found walking
 *     from the outside face and applying the winding changes across edges,
 *     and checked from every other side (a mismatch would mean a non-planar
 *     graph: it is counted and makes the Python face raise).
 *  6. Gaps open to the outside (open_gaps).  Snap rounding
 *     closes channels narrower than a pixel: an uncovered bounded face that
 *     reached the outside through such a channel, told exactly from the
 *     segments inside the hot pixels that closed it, is outside, not a gap.
 *  7. Faces to groups (assign_faces).  The kinds (face_kind):
 *       0 outside: the unbounded face, and the faces of step 6;
 *       1 single: covered by one polygon;
 *       4 within: covered by several polygons, all of one group;
 *       3 overlap: covered by polygons of several groups;
 *       2 gap: a bounded face no polygon covers.
 *     The rules (face_rule, the piece_rule returned):
 *       - a single or within face goes to its group (no rule: not a repair);
 *       - overlap faces are taken together as regions (adjacent overlap
 *         faces covered by the same groups) and each region goes whole to:
 *         rule 4 "whole unit": a group for which the region is all it has
 *         (the group has no single or within face: a unit drawn inside
 *         another's polygon keeps its area; the first such group);
 *         else rule 2 "longest border": in rounds, the covering group with
 *         the longest border with the region through faces already
 *         assigned, until no region makes progress; a region left then
 *         (it borders none of its groups) goes to the covering group whose
 *         own rings bound it longest, rule 2, or the first covering group
 *         when none does, rule 3 "first candidate";
 *       - each gap face goes to the neighbouring group with the longest
 *         border with it: rule 1 "enclosed" when only one group borders it,
 *         rule 2 "longest border" otherwise (the Python face adds "wide
 *         gap" for a gap between groups wider than its limit).
 *     Border lengths are grid lengths times the unit; on geographic layers
 *     east-west steps shrink with the cosine of the latitude.  Ties go to
 *     the lower group index.  Gap faces never border each other (an edge
 *     between two uncovered faces carries no contribution), so all their
 *     neighbours are assigned when gaps are.
 *  8. Rings (trace_regions).  The boundary of every region (faces joined
 *     across edges with the same label) is walked into rings, each ring
 *     split where it touches itself, so that every ring is simple and
 *     rings meet only at single points; shells come out counter-clockwise,
 *     holes clockwise, each hole with the shell of its region.  Units are
 *     labelled by group, pieces by repair, excess by multiplicity.  Before
 *     the units are final, step 8b (trace_units) gives a few
 *     sliver faces of snap rounding to a neighbour where GEOS's coverage
 *     validator would misread a hole touching its shell on the outline.
 *
 * Invariants of the output: units are valid polygons (simple rings meeting
 * at points, holes inside their shell), their interiors are disjoint, their
 * shared edges are identical vertex for vertex (one planar graph), and
 * their union is the union of the input (as rounded) with every enclosed
 * gap filled; every group keeps the faces only it covers (but for the
 * slivers of step 8b, each narrower than a grid step); pieces and excess
 * are drawn from the same graph.  Everything is deterministic: the same
 * input gives the same bytes.
 *
 * Limits: node ids are 32-bit (at most 2^29 nodes, FAIL_LIMIT), products
 * of coordinate differences stay within 128 bits for a span of 2^40 units
 * (ray_nearer multiplies three of them: keep GRID_SPAN there).
 *
 * Memory: arrays are laid out so that the work walks them in order (nodes
 * sorted by grid cell, no hash tables); big ones are mapped with huge pages
 * where the system allows it, and each is freed as soon as the steps after
 * it no longer need it (see run).
 *
 * Overlay.  The same arrangement of the rings of two layers A and B (each
 * polygon its own group) labels every face by the lowest A and the lowest
 * B polygon covering it (-1 for none), and traces the faces of each pair
 * into one multipolygon with its area (run_overlay): the pieces of an
 * intersection overlay, and what lies in one layer only.
 *
 * The module has two functions, ``dissolve`` and ``overlay``; see their docstrings.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>

typedef int64_t i64;
typedef int32_t i32;
typedef uint64_t u64;
typedef __int128 i128;

#define FAIL_OOM (-1)
#define FAIL_LIMIT (-2)

/* ------------------------------------------------------------------ memory */

/* Arrays of a megabyte or more are mapped on their own, aligned on huge
 * pages, with MADV_HUGEPAGE where the system allows it: first touching
 * memory page by page costs more here than the work done on it.  A freed
 * block goes back to the system at once (an earlier cache of freed blocks
 * kept them all resident until the end: a third of the peak).  Pages of a
 * mapped block that are never written (the spare capacity of a growable
 * array) are never resident.  Every block carries a header with its size.
 * Built with -DARRANGE_PLAIN_MALLOC (the sanitizer build), every block
 * comes from malloc, where AddressSanitizer watches it. */
#include <sys/mman.h>
#define HEADER 64
#ifdef ARRANGE_PLAIN_MALLOC
#define BIG_BLOCK SIZE_MAX
#else
#define BIG_BLOCK ((size_t)1 << 20)
#endif
#define HUGE_PAGE ((size_t)2 << 20)

typedef struct { size_t size; int mapped; } BlockHeader;

/* bytes of the blocks allocated, and the most at once (an upper bound of the resident memory) */
static _Thread_local size_t mem_live, mem_peak;

static void mem_count(i64 delta) {
    mem_live += (size_t)delta;
    if (mem_live > mem_peak) mem_peak = mem_live;
}

static void *mem_alloc(size_t n) {
    size_t total = n + HEADER;
    char *base = NULL;
    int mapped = 0;
    if (total >= BIG_BLOCK) {
        total = (total + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        /* aligned on a huge page, or the kernel cannot use huge pages for all of it */
        char *raw = (char *)mmap(NULL, total + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) return NULL;
        base = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
        if (base > raw) munmap(raw, (size_t)(base - raw));
        if (base + total < raw + total + HUGE_PAGE) munmap(base + total, (size_t)(raw + total + HUGE_PAGE - (base + total)));
#ifdef MADV_HUGEPAGE
        madvise(base, total, MADV_HUGEPAGE);
#endif
        mapped = 1;
    } else {
        base = (char *)malloc(total);
        if (!base) return NULL;
    }
    mem_count((i64)total);
    BlockHeader *h = (BlockHeader *)base;
    h->size = total;
    h->mapped = mapped;
    return base + HEADER;
}

static void mem_free(void *p) {
    if (!p) return;
    char *base = (char *)p - HEADER;
    BlockHeader *h = (BlockHeader *)base;
    mem_count(-(i64)h->size);
    if (h->mapped) munmap(base, h->size);
    else free(base);
}

/* Give back what lies past the first n bytes of a block (a finished array's spare capacity). */
static void mem_trim(void *p, size_t n) {
    if (!p) return;
    char *base = (char *)p - HEADER;
    BlockHeader *h = (BlockHeader *)base;
    if (!h->mapped) return;
    size_t keep = (n + HEADER + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    if (keep >= h->size) return;
    munmap(base + keep, h->size - keep);
    mem_count(-(i64)(h->size - keep));
    h->size = keep;
}

static void *mem_calloc(size_t n, size_t size) {
    void *p = mem_alloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

/* grow (or shrink) to n bytes, keeping the first `keep` bytes */
static void *mem_realloc(void *p, size_t keep, size_t n) {
    if (p && !((BlockHeader *)((char *)p - HEADER))->mapped && n + HEADER < BIG_BLOCK) {
        size_t before = ((BlockHeader *)((char *)p - HEADER))->size;
        char *base = (char *)realloc((char *)p - HEADER, n + HEADER);
        if (!base) return NULL;
        mem_count((i64)(n + HEADER) - (i64)before);
        ((BlockHeader *)base)->size = n + HEADER;
        return base + HEADER;
    }
    void *q = mem_alloc(n);
    if (!q) return NULL;
    if (p) { memcpy(q, p, keep < n ? keep : n); mem_free(p); }
    return q;
}

/* ------------------------------------------------------------------ growable arrays */

#define VEC(T, name)                                                              \
    typedef struct { T *a; size_t n, cap; } name;                                 \
    static int name##_grow(name *v, size_t need) {                                \
        if (need <= v->cap) return 0;                                             \
        size_t cap = v->cap ? v->cap : 256;                                       \
        while (cap < need) cap *= 2;                                              \
        T *p = (T *)mem_realloc(v->a, v->n * sizeof(T), cap * sizeof(T));         \
        if (!p) return FAIL_OOM;                                                  \
        v->a = p; v->cap = cap; return 0;                                         \
    }                                                                             \
    static inline int name##_push(name *v, T x) {                                 \
        if (v->n == v->cap && name##_grow(v, v->n + 1)) return FAIL_OOM;          \
        v->a[v->n++] = x; return 0;                                               \
    }                                                                             \
    static inline void name##_trim(name *v) { /* done growing */                  \
        mem_trim(v->a, v->n * sizeof(T));                                         \
        if (v->cap > v->n) v->cap = v->n;                                         \
    }

VEC(i32, VecI32)
VEC(i64, VecI64)
VEC(double, VecF64)

typedef struct { i32 seg, node; } Hit;
VEC(Hit, VecHit)

typedef struct { i32 u, v, parent; } Piece; /* a piece of a segment, in the segment's direction */
VEC(Piece, VecPiece)

#define CHECK(expr) do { int _r = (expr); if (_r) return _r; } while (0)

#include <time.h>
static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *xcalloc(size_t n, size_t size) { return mem_calloc(n ? n : 1, size); }
static void *xmalloc(size_t n, size_t size) { return mem_alloc((n ? n : 1) * size); }

/* ------------------------------------------------------------------ sorting */

/* Stable LSD radix sort of n records of `size` bytes on the unsigned little-endian key of
 * `bytes` bytes at `offset` in each record, a byte at a time (bytes that are the same in every
 * record cost one counting pass).  Records sorted on several keys: the least significant
 * first.  In place of glibc's qsort (a comparison call per step) for the hits and the pieces
 * of snap rounding: step 3 on the national commune layer took 65 ms instead of 79 (least of
 * 25 runs).  The crossings stay with qsort: their 32-byte records made it slower there. */
static int radix_sort(void *base, size_t n, size_t size, size_t offset, int bytes) {
    if (n < 2) return 0;
    unsigned char *a = (unsigned char *)base, *b = (unsigned char *)mem_alloc(n * size), *from = a;
    if (!b) return FAIL_OOM;
    size_t count[256];
    for (int d = 0; d < bytes; d++) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++) count[from[i * size + offset + (size_t)d]]++;
        if (count[from[offset + (size_t)d]] == n) continue;  /* one value: nothing to do */
        size_t at = 0;
        for (int c = 0; c < 256; c++) { size_t k = count[c]; count[c] = at; at += k; }
        unsigned char *to = from == a ? b : a;
        for (size_t i = 0; i < n; i++) memcpy(to + size * count[from[i * size + offset + (size_t)d]]++, from + i * size, size);
        from = to;
    }
    if (from != a) memcpy(a, from, n * size);
    mem_free(b);
    return 0;
}

/* ------------------------------------------------------------------ exact predicates */

static inline int sign128(i128 v) { return (v > 0) - (v < 0); }

/* orientation of c relative to the line a->b: +1 left, -1 right, 0 on it */
static inline int orient(i64 ax, i64 ay, i64 bx, i64 by, i64 cx, i64 cy) {
    i128 v = (i128)(bx - ax) * (cy - ay) - (i128)(by - ay) * (cx - ax);
    return sign128(v);
}

/* floor(n / d) for d > 0 */
static inline i128 floordiv128(i128 n, i128 d) {
    i128 q = n / d;
    if ((n % d) != 0 && n < 0) q -= 1;
    return q;
}

/* Does segment a-b pass through the hot pixel of (cx, cy), the half-open
 * square [cx - 1/2, cx + 1/2) x [cy - 1/2, cy + 1/2)?  Worked in doubled
 * coordinates: pixel sides are odd, segment ends even, so a segment never
 * ends on a side nor runs along one.  It meets the closed square when its
 * bounding box overlaps the square and its line does not leave the four
 * corners strictly on one side.  The closed and the half-open square differ
 * only for a segment whose line touches the square at a single corner:
 * that corner is in the pixel only if it is the lower left one. */
static int hot_pixel_hit(i64 ax, i64 ay, i64 bx, i64 by, i64 cx, i64 cy) {
    i64 px = 2 * ax, py = 2 * ay, qx = 2 * bx, qy = 2 * by;
    i64 x0 = 2 * cx - 1, x1 = 2 * cx + 1, y0 = 2 * cy - 1, y1 = 2 * cy + 1;
    i64 sxmin = px < qx ? px : qx, sxmax = px < qx ? qx : px;
    i64 symin = py < qy ? py : qy, symax = py < qy ? qy : py;
    if (sxmax < x0 || sxmin > x1 || symax < y0 || symin > y1) return 0;
    i64 dx = qx - px, dy = qy - py;
    i64 cornx[4] = {x0, x1, x1, x0}, corny[4] = {y0, y0, y1, y1};
    int pos = 0, neg = 0, on = -1;
    for (int k = 0; k < 4; k++) {
        int s = sign128((i128)dx * (corny[k] - py) - (i128)dy * (cornx[k] - px));
        if (s > 0) pos++;
        else if (s < 0) neg++;
        else on = k;
    }
    if (pos && neg) return 1;
    if (on < 0) return 0;          /* all four strictly on one side */
    /* the line touches the square at corner `on` only: in the pixel if it
     * is the lower left corner and the segment reaches it */
    return on == 0 && sxmin <= x0 && x0 <= sxmax && symin <= y0 && y0 <= symax;
}

/* ------------------------------------------------------------------ the grid index */

typedef struct {
    i64 minx, miny;
    int shift;      /* cell size 2^shift grid units */
    i64 ncols, nrows;
} Grid;

static inline i64 clampi(i64 v, i64 lo, i64 hi) { return v < lo ? lo : (v > hi ? hi : v); }

static inline i64 cell_col(const Grid *G, i64 x) { return clampi((x - G->minx) >> G->shift, 0, G->ncols - 1); }
static inline i64 cell_row(const Grid *G, i64 y) { return clampi((y - G->miny) >> G->shift, 0, G->nrows - 1); }
static inline i64 cell_of(const Grid *G, i64 x, i64 y) { return cell_row(G, y) * G->ncols + cell_col(G, x); }

/* Sort key of a point inside the grid: its cell, then x. */
static inline u64 point_key(const Grid *G, i64 x, i64 y) {
    i64 col = cell_col(G, x);
    return ((u64)(cell_row(G, y) * G->ncols + col) << G->shift) | (u64)(x - G->minx - (col << G->shift));
}

/* Cells (row * ncols + col) that segment a-b comes within `margin` units of
 * (conservative: may list a few more). */
static int raster(const Grid *G, i64 ax, i64 ay, i64 bx, i64 by, i64 margin, VecI64 *out) {
    out->n = 0;
    i64 xmin = ax < bx ? ax : bx, xmax = ax < bx ? bx : ax;
    i64 ymin = ay < by ? ay : by, ymax = ay < by ? by : ay;
    i64 c0 = cell_col(G, xmin - margin), c1 = cell_col(G, xmax + margin);
    if (c0 == c1 || ax == bx) {
        i64 r0 = cell_row(G, ymin - margin), r1 = cell_row(G, ymax + margin);
        for (i64 r = r0; r <= r1; r++)
            for (i64 c = c0; c <= c1; c++) CHECK(VecI64_push(out, r * G->ncols + c));
        return 0;
    }
    double slope = (double)(by - ay) / (double)(bx - ax);
    for (i64 c = c0; c <= c1; c++) {
        /* the segment over the column widened by the margin: a steep segment
         * passes within the margin of a column it never enters */
        i64 cx0 = G->minx + (c << G->shift) - margin, cx1 = G->minx + ((c + 1) << G->shift) + margin;
        i64 xa = cx0 > xmin ? cx0 : xmin, xb = cx1 < xmax ? cx1 : xmax;
        if (xa > xb) { xa = xb = (cx0 > xmax ? xmax : xmin); }
        double ya = (double)ay + (double)(xa - ax) * slope, yb = (double)ay + (double)(xb - ax) * slope;
        double lo = (ya < yb ? ya : yb) - (double)margin - 1.0, hi = (ya < yb ? yb : ya) + (double)margin + 1.0;
        if (lo < (double)(ymin - margin)) lo = (double)(ymin - margin);
        if (hi > (double)(ymax + margin)) hi = (double)(ymax + margin);
        i64 r0 = cell_row(G, (i64)floor(lo)), r1 = cell_row(G, (i64)ceil(hi));
        for (i64 r = r0; r <= r1; r++) CHECK(VecI64_push(out, r * G->ncols + c));
    }
    return 0;
}

/* ------------------------------------------------------------------ the engine state */

/* Nodes (hot pixels), sorted by point_key then y: the nodes of a cell are
 * contiguous and ordered by x. */
typedef struct { VecI64 x, y; } Nodes;

typedef struct {
    /* input */
    const double *xy; const i64 *ring_off; const i64 *ring_src; const uint8_t *ring_hole;
    const i64 *src_group;
    i64 n_rings, n_src, n_groups;
    double unit, inv_unit;
    int geographic;

    Nodes N;
    Grid G;
    i32 *ncell_start;  /* first node of each cell, ncells + 1 */
    /* unique segments (a < b node ids), contributions for the direction a->b */
    VecI32 seg_a, seg_b, seg_c0;   /* seg_c0 has n+1 entries */
    VecI32 c_src, c_w;
    i32 *cell_start;  /* segments per cell (CSR), ncells + 1, each cell's sorted by xmin */
    i32 *cell_seg;
    /* edges of the planar graph: u < v, and per group the change of its winding
     * number across u->v (edges between polygons of one group cancel and are dropped) */
    VecI32 e_u, e_v, e_c0, ec_grp, ec_w;
    /* half-edges: 2e is u->v, 2e+1 is v->u */
    i32 *next;               /* the next half-edge around the face on the left */
    i32 *he_cycle;
    i32 n_cycles;
    i32 *cycle_first;        /* a half-edge of each cycle */
    i32 *cycle_face;         /* face of each cycle */
    i32 n_faces;             /* face 0 is the unbounded one */
    i32 *fc_start, *fc;      /* cycles of each face (CSR) */
    /* coverage: per face, the groups with a nonzero winding number (sorted) and that number */
    i32 *cov_start; VecI32 cov_grp, cov_w;
    /* classification */
    int8_t *face_kind;       /* 0 outside (also a gap open to it), 1 single, 2 gap, 3 overlap of groups, 4 within one group */
    i32 *face_group;         /* assigned group */
    int8_t *face_rule;       /* 0 none, 1 enclosed, 2 longest border, 3 first candidate, 4 whole unit (see the header) */
    i32 *face_ncov;          /* number of groups covering; face_mult: number of polygons covering */
    i32 *face_mult;
    i32 *face_region;        /* overlap faces: the region (a face) they were assigned with */
    double *edge_len;
    uint8_t *src_flag;       /* 1: its rings cross each other (invalid) */
    uint8_t *grp_flag;       /* 1: a face where the group winds negatively (one of its polygons is invalid) */
    /* what snapping leaves for step 6 (gaps open to the outside), by node id before compaction */
    VecPiece pieces;         /* pieces of the split segments, by segment then along it */
    uint8_t *split;          /* per segment: 1 if it was split */
    uint8_t *node_mark;      /* 1: a segment was bent through the node; 2: an edge there merges several segments */
    i32 *node_new;           /* id after compaction, -1 for a node no edge uses */
    i64 *old_x, *old_y;      /* coordinates before compaction */
    size_t n_old_nodes;
    uint8_t *face_open;      /* 1: an uncovered bounded face that reaches the outside through a channel snapping closed */
    /* stats */
    i64 n_crossings, n_hits, n_rounds, n_winding_mismatch, n_bad_components, n_bad_rings, n_open, n_pixels, n_pixels_skipped, n_segments, n_pinch_moved;
    double ms[8]; /* time per step: segments, grid, crossings, snapping, faces, coverage, assignment, rings */
} Engine;

static void engine_free(Engine *E) {
    mem_free(E->N.x.a); mem_free(E->N.y.a); mem_free(E->ncell_start);
    mem_free(E->seg_a.a); mem_free(E->seg_b.a); mem_free(E->seg_c0.a); mem_free(E->c_src.a); mem_free(E->c_w.a);
    mem_free(E->cell_start); mem_free(E->cell_seg);
    mem_free(E->e_u.a); mem_free(E->e_v.a); mem_free(E->e_c0.a); mem_free(E->ec_grp.a); mem_free(E->ec_w.a);
    mem_free(E->next); mem_free(E->he_cycle); mem_free(E->cycle_first); mem_free(E->cycle_face);
    mem_free(E->fc_start); mem_free(E->fc); mem_free(E->cov_start); mem_free(E->cov_grp.a); mem_free(E->cov_w.a);
    mem_free(E->face_kind); mem_free(E->face_group); mem_free(E->face_rule); mem_free(E->face_ncov); mem_free(E->face_region); mem_free(E->edge_len);
    mem_free(E->face_mult); mem_free(E->src_flag); mem_free(E->grp_flag);
    mem_free(E->pieces.a); mem_free(E->split); mem_free(E->node_mark); mem_free(E->node_new);
    mem_free(E->old_x); mem_free(E->old_y); mem_free(E->face_open);
}

/* ------------------------------------------------------------------ step 1: nodes and segments */

static inline i64 quant(const Engine *E, size_t k, int axis) { return llrint(E->xy[2 * k + axis] * E->inv_unit); }

/* The grid: cells about twice the mean segment length, at most about one
 * cell per vertex over the bounding box (2^26 in all), and at most 2^31
 * units wide so that a point's offset in its cell fits 32 bits. */
static void choose_grid(Engine *E, size_t nv) {
    i64 minx = INT64_MAX, miny = INT64_MAX, maxx = INT64_MIN, maxy = INT64_MIN;
    double total = 0;
    size_t nseg = 0;
    for (i64 r = 0; r < E->n_rings; r++) {
        i64 px = 0, py = 0;
        for (i64 k = E->ring_off[r]; k < E->ring_off[r + 1]; k++) {
            i64 x = quant(E, (size_t)k, 0), y = quant(E, (size_t)k, 1);
            if (x < minx) minx = x;
            if (x > maxx) maxx = x;
            if (y < miny) miny = y;
            if (y > maxy) maxy = y;
            if (k > E->ring_off[r]) { total += (double)llabs(x - px) + (double)llabs(y - py); nseg++; }
            px = x; py = y;
        }
    }
    if (!nv) { minx = miny = 0; maxx = maxy = 1; }
    double mean = nseg ? total / (double)nseg : 1.0;
    int shift = 0;
    while (shift < 31 && ldexp(1.0, shift) < 2.0 * mean) shift++;
    double width = (double)(maxx - minx) + 1, height = (double)(maxy - miny) + 1;
    double limit = (double)nv + 1024;
    if (limit > (double)(1 << 26)) limit = (double)(1 << 26);
    while (shift < 31 && (floor(width / ldexp(1.0, shift)) + 1) * (floor(height / ldexp(1.0, shift)) + 1) > limit) shift++;
    Grid *G = &E->G;
    G->minx = minx; G->miny = miny; G->shift = shift;
    G->ncols = ((maxx - minx) >> shift) + 1;
    G->nrows = ((maxy - miny) >> shift) + 1;
}

/* first node of each cell */
static int index_nodes(Engine *E) {
    size_t ncells = (size_t)(E->G.ncols * E->G.nrows);
    mem_free(E->ncell_start);
    E->ncell_start = (i32 *)xcalloc(ncells + 1, sizeof(i32));
    if (!E->ncell_start) return FAIL_OOM;
    for (size_t i = 0; i < E->N.x.n; i++) E->ncell_start[cell_of(&E->G, E->N.x.a[i], E->N.y.a[i]) + 1]++;
    for (size_t c = 0; c < ncells; c++) E->ncell_start[c + 1] += E->ncell_start[c];
    return 0;
}

/* Sort the records of one grid cell by a key, its offset in the cell
 * (`shift` bits): insertion sort for a few, else a counting sort on the
 * offset's top 6 bits into `tmp` and back, then insertion sort (which then
 * moves records only within their bucket). */
#define CELL_SORT(T, a, n, tmp, OFFSET, LESS, shift)                                   \
    do {                                                                               \
        size_t n_ = (n);                                                               \
        if (n_ > 32) {                                                                 \
            size_t count_[65] = {0};                                                   \
            int s_ = (shift) > 6 ? (shift) - 6 : 0;                                    \
            for (size_t i_ = 0; i_ < n_; i_++) count_[((OFFSET((a)[i_])) >> s_) + 1]++; \
            for (size_t b_ = 0; b_ < 64; b_++) count_[b_ + 1] += count_[b_];           \
            for (size_t i_ = 0; i_ < n_; i_++) (tmp)[count_[(OFFSET((a)[i_])) >> s_]++] = (a)[i_]; \
            memcpy((a), (tmp), n_ * sizeof(T));                                       \
        }                                                                              \
        for (size_t i_ = 1; i_ < n_; i_++) {                                           \
            T r_ = (a)[i_];                                                            \
            size_t j_ = i_;                                                            \
            while (j_ > 0 && LESS(r_, (a)[j_ - 1])) { (a)[j_] = (a)[j_ - 1]; j_--; }    \
            (a)[j_] = r_;                                                              \
        }                                                                              \
    } while (0)

typedef struct { uint32_t dx, dy; i32 vertex; } VertexRec;
#define VERTEX_LESS(p, q) ((p).dx < (q).dx || ((p).dx == (q).dx && (p).dy < (q).dy))
#define VERTEX_OFFSET(p) ((size_t)(p).dx)


/* Nodes from the vertices: sorted by (cell, x, y), duplicates merged.
 * Counting sort on the cell (vertices come ring by ring, so cells are
 * mostly local), then insertion sort within each cell. */
static int build_nodes(Engine *E, size_t nv, i32 *node_of) {
    Grid *G = &E->G;
    size_t ncells = (size_t)(G->ncols * G->nrows);
    i32 *start = (i32 *)xcalloc(ncells + 1, sizeof(i32));
    VertexRec *rec = (VertexRec *)xmalloc(nv, sizeof(VertexRec));
    VertexRec *tmp = NULL; /* for a big cell */
    int err = (!start || !rec) ? FAIL_OOM : 0;
    if (!err) err = VecI64_grow(&E->N.x, nv / 2 + 16) || VecI64_grow(&E->N.y, nv / 2 + 16);
    if (!err) {
        for (size_t k = 0; k < nv; k++) start[cell_of(G, quant(E, k, 0), quant(E, k, 1)) + 1]++;
        for (size_t c = 0; c < ncells; c++) start[c + 1] += start[c];
        for (size_t k = 0; k < nv; k++) {
            i64 x = quant(E, k, 0), y = quant(E, k, 1);
            i64 col = cell_col(G, x), row = cell_row(G, y);
            VertexRec r = {(uint32_t)(x - G->minx - (col << G->shift)), (uint32_t)(y - G->miny - (row << G->shift)), (i32)k};
            rec[start[row * G->ncols + col]++] = r;
        }
        size_t lo = 0;
        for (size_t c = 0; c < ncells && !err; c++) {
            size_t hi = (size_t)start[c];
            if (hi == lo) continue;
            if (hi - lo > 32 && !tmp) {
                size_t most = 0; /* the biggest cell, once */
                for (size_t d = 0, l = 0; d < ncells; l = (size_t)start[d], d++) if ((size_t)start[d] - l > most) most = (size_t)start[d] - l;
                if (!(tmp = (VertexRec *)xmalloc(most, sizeof(VertexRec)))) { err = FAIL_OOM; break; }
            }
            CELL_SORT(VertexRec, rec + lo, hi - lo, tmp, VERTEX_OFFSET, VERTEX_LESS, G->shift);
            i64 x0 = G->minx + ((i64)(c % (size_t)G->ncols) << G->shift), y0 = G->miny + ((i64)(c / (size_t)G->ncols) << G->shift);
            for (size_t k = lo; k < hi && !err; k++) {
                if (k == lo || rec[k].dx != rec[k - 1].dx || rec[k].dy != rec[k - 1].dy)
                    err = VecI64_push(&E->N.x, x0 + rec[k].dx) || VecI64_push(&E->N.y, y0 + rec[k].dy);
                node_of[rec[k].vertex] = (i32)E->N.x.n - 1;
            }
            lo = hi;
        }
    }
    mem_free(start); mem_free(rec); mem_free(tmp);
    if (!err && E->N.x.n > (size_t)INT32_MAX / 4) err = FAIL_LIMIT;
    return err ? err : index_nodes(E);
}

/* Merge contributions (src, w) in place: one entry per source, zeros dropped. */
static size_t merge_contributions(i32 *src, i32 *w, size_t n) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < m && src[j] != src[i]) j++;
        if (j < m) w[j] += w[i];
        else { src[m] = src[i]; w[m] = w[i]; m++; }
    }
    size_t k = 0;
    for (size_t j = 0; j < m; j++)
        if (w[j] != 0) { src[k] = src[j]; w[k] = w[j]; k++; }
    return k;
}

/* Contributions gathered for one segment or edge, then merged and appended. */
typedef struct { VecI32 src, w; } Gather;

static int gather_flush(Gather *g, i32 a, i32 b, VecI32 *sa, VecI32 *sb, VecI32 *c0, VecI32 *csrc, VecI32 *cw) {
    size_t m = merge_contributions(g->src.a, g->w.a, g->src.n);
    g->src.n = g->w.n = 0;
    if (!m) return 0;
    CHECK(VecI32_push(sa, a) || VecI32_push(sb, b) || VecI32_push(c0, (i32)csrc->n));
    for (size_t k = 0; k < m; k++) CHECK(VecI32_push(csrc, g->src.a[k]) || VecI32_push(cw, g->w.a[k]));
    return 0;
}

/* The nodes of ring r (consecutive repeats dropped, open) and the sign of its
 * contribution: +1 when the polygon's interior lies to the left of the
 * ring's direction (a ring of no area, such as a symmetric bow tie, is taken
 * as counter-clockwise); 0 for a ring of fewer than 3 nodes.  Returns an error code. */
static int ring_nodes(const Engine *E, i64 r, const i32 *node_of, VecI32 *ring, int *sign) {
    const Nodes *N = &E->N;
    *sign = 0;
    ring->n = 0;
    for (i64 k = E->ring_off[r]; k < E->ring_off[r + 1]; k++) {
        i32 id = node_of[k];
        if ((!ring->n || ring->a[ring->n - 1] != id) && VecI32_push(ring, id)) return FAIL_OOM;
    }
    while (ring->n > 1 && ring->a[ring->n - 1] == ring->a[0]) ring->n--;
    if (ring->n < 3) return 0;
    i64 x0 = N->x.a[ring->a[0]], y0 = N->y.a[ring->a[0]];
    i128 area = 0;
    for (size_t k = 0; k < ring->n; k++) {
        i32 p = ring->a[k], q = ring->a[k + 1 < ring->n ? k + 1 : 0];
        area += (i128)(N->x.a[p] - x0) * (N->y.a[q] - y0) - (i128)(N->x.a[q] - x0) * (N->y.a[p] - y0);
    }
    *sign = ((area >= 0) != (E->ring_hole[r] != 0)) ? 1 : -1;
    return 0;
}

/* Unique segments from the rings: the ring edges are bucketed by their lower
 * node (counting sort, rings walked twice), then grouped by the upper node. */
static int build_segments(Engine *E) {
    size_t nv = (size_t)E->ring_off[E->n_rings];
    E->inv_unit = 1.0 / E->unit;
    choose_grid(E, nv);
    i32 *node_of = (i32 *)xmalloc(nv, sizeof(i32));
    if (!node_of) return FAIL_OOM;
    int err = build_nodes(E, nv, node_of);
    size_t nn = E->N.x.n;
    i32 *start = err ? NULL : (i32 *)xcalloc(nn + 1, sizeof(i32));
    i32 *rb = err ? NULL : (i32 *)xmalloc(nv, sizeof(i32));   /* upper node */
    i32 *rsw = err ? NULL : (i32 *)xmalloc(nv, sizeof(i32));  /* (source + 1) * sign */
    if (!err && (!start || !rb || !rsw)) err = FAIL_OOM;
    VecI32 ring = {0};
    for (int pass = 0; pass < 2 && !err; pass++) {
        for (i64 r = 0; r < E->n_rings && !err; r++) {
            int c;
            if ((err = ring_nodes(E, r, node_of, &ring, &c))) break;
            if (!c) continue;
            i32 sw = ((i32)E->ring_src[r] + 1);
            for (size_t k = 0; k < ring.n; k++) {
                i32 p = ring.a[k], q = ring.a[k + 1 < ring.n ? k + 1 : 0];
                i32 lo = p < q ? p : q;
                if (pass == 0) start[lo + 1]++;
                else { i32 pos = start[lo]++; rb[pos] = p < q ? q : p; rsw[pos] = (p < q ? c : -c) * sw; }
            }
        }
        if (pass == 0) for (size_t v = 0; v < nn; v++) start[v + 1] += start[v];
    }
    mem_free(ring.a); mem_free(node_of);
    Gather g = {{0}, {0}};
    if (!err) err = VecI32_grow(&E->seg_a, nv / 2 + 16) || VecI32_grow(&E->seg_b, nv / 2 + 16) ||
                    VecI32_grow(&E->seg_c0, nv / 2 + 16) || VecI32_grow(&E->c_src, nv) || VecI32_grow(&E->c_w, nv);
    size_t lo = 0;
    for (size_t v = 0; v < nn && !err; v++) {
        size_t hi = (size_t)start[v];
        for (size_t k = lo + 1; k < hi; k++) { /* by upper node */
            i32 b = rb[k], x = rsw[k];
            size_t m = k;
            while (m > lo && rb[m - 1] > b) { rb[m] = rb[m - 1]; rsw[m] = rsw[m - 1]; m--; }
            rb[m] = b; rsw[m] = x;
        }
        for (size_t k = lo; k < hi && !err; k++) {
            i32 x = rsw[k];
            err = VecI32_push(&g.src, (x > 0 ? x : -x) - 1) || VecI32_push(&g.w, x > 0 ? 1 : -1);
            if (!err && (k + 1 == hi || rb[k + 1] != rb[k]))
                err = gather_flush(&g, (i32)v, rb[k], &E->seg_a, &E->seg_b, &E->seg_c0, &E->c_src, &E->c_w);
        }
        lo = hi;
    }
    if (!err) err = VecI32_push(&E->seg_c0, (i32)E->c_src.n);
    mem_free(g.src.a); mem_free(g.w.a); mem_free(start); mem_free(rb); mem_free(rsw);
    VecI32_trim(&E->seg_a); VecI32_trim(&E->seg_b); VecI32_trim(&E->seg_c0); VecI32_trim(&E->c_src); VecI32_trim(&E->c_w);
    VecI64_trim(&E->N.x); VecI64_trim(&E->N.y);
    return err;
}

/* ------------------------------------------------------------------ steps 2-4: crossings, snap rounding, edges */

typedef struct { i64 xmin; i32 seg; } XminSeg;
#define XMIN_LESS(p, q) ((p).xmin < (q).xmin || ((p).xmin == (q).xmin && (p).seg < (q).seg))

/* CSR of segments per cell, each cell's ordered by xmin (counting sort on
 * the cell, rasterizing twice, then a sort within each cell). */
static int index_segments(Engine *E) {
    Grid *G = &E->G;
    Nodes *N = &E->N;
    size_t ncells = (size_t)(G->ncols * G->nrows);
    VecI64 cells = {0};
    int err = 0;
    E->cell_start = (i32 *)xcalloc(ncells + 1, sizeof(i32));
    if (!E->cell_start) return FAIL_OOM;
    for (int pass = 0; pass < 2 && !err; pass++) {
        for (size_t s = 0; s < E->seg_a.n && !err; s++) {
            i32 a = E->seg_a.a[s], b = E->seg_b.a[s];
            err = raster(G, N->x.a[a], N->y.a[a], N->x.a[b], N->y.a[b], 2, &cells);
            for (size_t k = 0; k < cells.n && !err; k++) {
                if (pass == 0) E->cell_start[cells.a[k] + 1]++;
                else E->cell_seg[E->cell_start[cells.a[k]]++] = (i32)s;
            }
        }
        if (pass == 0 && !err) {
            for (size_t c = 0; c < ncells; c++) {
                if ((size_t)E->cell_start[c + 1] + (size_t)E->cell_start[c] > (size_t)INT32_MAX) { err = FAIL_LIMIT; break; }
                E->cell_start[c + 1] += E->cell_start[c];
            }
            E->cell_seg = (i32 *)xmalloc((size_t)E->cell_start[ncells], sizeof(i32));
            if (!E->cell_seg) err = FAIL_OOM;
        }
    }
    mem_free(cells.a);
    if (err) return err;
    for (size_t c = ncells; c > 0; c--) E->cell_start[c] = E->cell_start[c - 1];
    E->cell_start[0] = 0;
    /* each cell's segments by xmin: (xmin, segment) pairs, sorted */
    XminSeg *buf = NULL;
    size_t cap = 0;
    for (size_t c = 0; c < ncells && !err; c++) {
        i32 lo = E->cell_start[c], hi = E->cell_start[c + 1];
        if (hi - lo < 2) continue;
        if (2 * (size_t)(hi - lo) > cap) { /* the records, then room to sort them */
            mem_free(buf);
            cap = 2 * (size_t)(hi - lo);
            buf = (XminSeg *)xmalloc(cap, sizeof(XminSeg));
            if (!buf) { err = FAIL_OOM; break; }
        }
        for (i32 k = lo; k < hi; k++) {
            i32 sg = E->cell_seg[k];
            i64 xa = N->x.a[E->seg_a.a[sg]], xb = N->x.a[E->seg_b.a[sg]];
            XminSeg r = {xa < xb ? xa : xb, sg};
            buf[k - lo] = r;
        }
        i64 x0 = G->minx + ((i64)(c % (size_t)G->ncols) << G->shift), last = ((i64)1 << G->shift) - 1;
#define XMIN_OFFSET(p) ((size_t)clampi((p).xmin - x0, 0, last))
        CELL_SORT(XminSeg, buf, (size_t)(hi - lo), buf + cap / 2, XMIN_OFFSET, XMIN_LESS, G->shift);
#undef XMIN_OFFSET
        for (i32 k = lo; k < hi; k++) E->cell_seg[k] = buf[k - lo].seg;
    }
    mem_free(buf);
    return err;
}

/* node at exactly (x, y), or -1 */
static i32 find_node(const Engine *E, i64 x, i64 y) {
    i64 c = cell_of(&E->G, x, y);
    i32 lo = E->ncell_start[c], hi = E->ncell_start[c + 1];
    while (lo < hi) { i32 mid = lo + (hi - lo) / 2; if (E->N.x.a[mid] < x) lo = mid + 1; else hi = mid; }
    for (; lo < E->ncell_start[c + 1] && E->N.x.a[lo] == x; lo++)
        if (E->N.y.a[lo] == y) return lo;
    return -1;
}

/* Crossings of segments (interiors crossing at one point), rounded to the grid. */
static int find_crossings(Engine *E, VecI64 *px, VecI64 *py) {
    Grid *G = &E->G;
    Nodes *N = &E->N;
    size_t ncells = (size_t)(G->ncols * G->nrows);
    int err = 0;
    for (size_t c = 0; c < ncells && !err; c++) {
        i32 lo = E->cell_start[c], hi = E->cell_start[c + 1];
        if (hi - lo < 2) continue;
        i64 col = (i64)(c % (size_t)G->ncols), row = (i64)(c / (size_t)G->ncols);
        for (i32 i = lo; i < hi && !err; i++) {
            i32 s = E->cell_seg[i];
            i32 sa = E->seg_a.a[s], sb = E->seg_b.a[s];
            i64 ax = N->x.a[sa], ay = N->y.a[sa], bx = N->x.a[sb], by = N->y.a[sb];
            i64 sxmax = ax < bx ? bx : ax, symin = ay < by ? ay : by, symax = ay < by ? by : ay;
            for (i32 j = i + 1; j < hi; j++) {
                i32 t = E->cell_seg[j];
                i32 ta = E->seg_a.a[t], tb = E->seg_b.a[t];
                i64 cx = N->x.a[ta], cy = N->y.a[ta], dx = N->x.a[tb], dy = N->y.a[tb];
                if ((cx < dx ? cx : dx) > sxmax) break; /* sorted by xmin */
                if (ta == sa || ta == sb || tb == sa || tb == sb) continue;
                if ((cy < symin && dy < symin) || (cy > symax && dy > symax)) continue;
                int o1 = orient(ax, ay, bx, by, cx, cy), o2 = orient(ax, ay, bx, by, dx, dy);
                if (o1 == 0 || o2 == 0 || o1 == o2) continue;
                i128 d3 = (i128)(dx - cx) * (ay - cy) - (i128)(dy - cy) * (ax - cx);
                i128 d4 = (i128)(dx - cx) * (by - cy) - (i128)(dy - cy) * (bx - cx);
                int o3 = sign128(d3), o4 = sign128(d4);
                if (o3 == 0 || o4 == 0 || o3 == o4) continue;
                /* point = a + (b - a) * d3 / (d3 - d4) */
                i128 den = d3 - d4, num = d3;
                if (den < 0) { den = -den; num = -num; }
                i128 nx = (i128)(bx - ax) * num, ny = (i128)(by - ay) * num;
                /* the cell of the exact point decides which cell reports it */
                i128 ex = floordiv128((i128)(ax - G->minx) * den + nx, den) >> G->shift;
                i128 ey = floordiv128((i128)(ay - G->miny) * den + ny, den) >> G->shift;
                if (ex < 0) ex = 0;
                if (ex > G->ncols - 1) ex = G->ncols - 1;
                if (ey < 0) ey = 0;
                if (ey > G->nrows - 1) ey = G->nrows - 1;
                if (ex != col || ey != row) continue;
                i64 rx = ax + (i64)floordiv128(2 * nx + den, 2 * den);
                i64 ry = ay + (i64)floordiv128(2 * ny + den, 2 * den);
                err = VecI64_push(px, rx) || VecI64_push(py, ry);
                E->n_crossings++;
                /* a source whose own rings cross is invalid */
                for (i32 k = E->seg_c0.a[s]; k < E->seg_c0.a[s + 1]; k++)
                    for (i32 l = E->seg_c0.a[t]; l < E->seg_c0.a[t + 1]; l++)
                        if (E->c_src.a[k] == E->c_src.a[l]) E->src_flag[E->c_src.a[k]] = 1;
            }
        }
    }
    return err;
}

typedef struct { u64 key; i64 x, y; } KeyedPoint;

static int cmp_keyed_point(const void *a, const void *b) {
    const KeyedPoint *p = (const KeyedPoint *)a, *q = (const KeyedPoint *)b;
    if (p->key != q->key) return (p->key > q->key) - (p->key < q->key);
    return (p->y > q->y) - (p->y < q->y);
}

/* Add the crossing points that are not nodes yet, keeping the nodes sorted:
 * node ids change, and the segments are renumbered alike (order kept). */
static int add_nodes(Engine *E, const VecI64 *px, const VecI64 *py) {
    Nodes *N = &E->N;
    size_t m = 0, n = N->x.n;
    KeyedPoint *fresh = (KeyedPoint *)xmalloc(px->n, sizeof(KeyedPoint));
    if (!fresh) return FAIL_OOM;
    for (size_t k = 0; k < px->n; k++)
        if (find_node(E, px->a[k], py->a[k]) < 0) {
            KeyedPoint p = {point_key(&E->G, px->a[k], py->a[k]), px->a[k], py->a[k]};
            fresh[m++] = p;
        }
    if (!m) { mem_free(fresh); return 0; }
    qsort(fresh, m, sizeof(KeyedPoint), cmp_keyed_point);
    i64 *X = (i64 *)xmalloc(n + m, sizeof(i64)), *Y = (i64 *)xmalloc(n + m, sizeof(i64));
    i32 *map = (i32 *)xmalloc(n, sizeof(i32));
    int err = (!X || !Y || !map) ? FAIL_OOM : 0;
    if (!err) {
        /* merge the two sorted lists (new points never equal old nodes), dropping repeated new points */
        size_t i = 0, j = 0, out = 0;
        while (i < n || j < m) {
            int take_new = i == n;
            if (i < n && j < m) {
                KeyedPoint old = {point_key(&E->G, N->x.a[i], N->y.a[i]), N->x.a[i], N->y.a[i]};
                take_new = cmp_keyed_point(&fresh[j], &old) < 0;
            }
            if (take_new) {
                if (!(j > 0 && fresh[j].x == fresh[j - 1].x && fresh[j].y == fresh[j - 1].y)) { X[out] = fresh[j].x; Y[out] = fresh[j].y; out++; }
                j++;
            } else {
                X[out] = N->x.a[i]; Y[out] = N->y.a[i]; map[i] = (i32)out; out++; i++;
            }
        }
        mem_free(N->x.a); mem_free(N->y.a);
        N->x.a = X; N->y.a = Y; N->x.n = N->y.n = out; N->x.cap = N->y.cap = n + m;
        X = Y = NULL;
        for (size_t s = 0; s < E->seg_a.n; s++) { E->seg_a.a[s] = map[E->seg_a.a[s]]; E->seg_b.a[s] = map[E->seg_b.a[s]]; }
        err = index_nodes(E);
    }
    mem_free(fresh); mem_free(X); mem_free(Y); mem_free(map);
    return err;
}

/* Does the piece u-v pass through the hot pixel of node n (not one of its ends)? */
static inline int snaps_to(const Engine *E, i32 u, i32 v, i32 n) {
    const Nodes *N = &E->N;
    return n != u && n != v && hot_pixel_hit(N->x.a[u], N->y.a[u], N->x.a[v], N->y.a[v], N->x.a[n], N->y.a[n]);
}

/* Nodes of cell c with x in [x0, x1]: [*lo, *hi) */
static inline void cell_nodes_between(const Engine *E, i64 c, i64 x0, i64 x1, i32 *lo_out, i32 *hi_out) {
    i32 lo = E->ncell_start[c], hi = E->ncell_start[c + 1];
    while (lo < hi) { i32 mid = lo + (hi - lo) / 2; if (E->N.x.a[mid] < x0) lo = mid + 1; else hi = mid; }
    i32 end = lo;
    while (end < E->ncell_start[c + 1] && E->N.x.a[end] <= x1) end++;
    *lo_out = lo; *hi_out = end;
}

/* First round, cell by cell: the hot pixels each unique segment passes through. */
static int snap_segments(Engine *E, VecHit *hits) {
    Grid *G = &E->G;
    Nodes *N = &E->N;
    size_t ncells = (size_t)(G->ncols * G->nrows);
    int err = 0;
    hits->n = 0;
    for (size_t c = 0; c < ncells && !err; c++) {
        if (E->ncell_start[c] == E->ncell_start[c + 1]) continue;
        for (i32 i = E->cell_start[c]; i < E->cell_start[c + 1] && !err; i++) {
            i32 s = E->cell_seg[i], u = E->seg_a.a[s], v = E->seg_b.a[s];
            i64 ax = N->x.a[u], ay = N->y.a[u], bx = N->x.a[v], by = N->y.a[v];
            i64 ymin = (ay < by ? ay : by) - 1, ymax = (ay < by ? by : ay) + 1;
            i32 lo, hi;
            cell_nodes_between(E, (i64)c, (ax < bx ? ax : bx) - 1, (ax < bx ? bx : ax) + 1, &lo, &hi);
            for (i32 n = lo; n < hi; n++) {
                if (N->y.a[n] < ymin || N->y.a[n] > ymax) continue;
                if (snaps_to(E, u, v, n)) { Hit h = {s, n}; if ((err = VecHit_push(hits, h))) break; }
            }
        }
    }
    return err;
}

typedef struct { i128 t; i32 node; } Along;

static int cmp_along(const void *a, const void *b) {
    const Along *x = (const Along *)a, *y = (const Along *)b;
    return (x->t > y->t) - (x->t < y->t);
}

/* Snap rounding proper: each segment that passes through hot pixels other
 * than its ends becomes the polyline through their centres, in order along
 * the segment (split[s] = 1, its pieces appended to `pieces` in order from
 * seg_a to seg_b); the others stay as they are (split[s] = 0).  One pass:
 * the pieces form a planar graph (see the header), so nothing is iterated. */
static int snap_round(Engine *E, uint8_t *split, VecPiece *pieces) {
    Nodes *N = &E->N;
    VecHit hits = {0};
    int err = snap_segments(E, &hits);
    E->n_rounds = 1;
    E->n_hits += (i64)hits.n;
    if (!err && (radix_sort(hits.a, hits.n, sizeof(Hit), offsetof(Hit, node), 4) ||
                 radix_sort(hits.a, hits.n, sizeof(Hit), offsetof(Hit, seg), 4))) err = FAIL_OOM;  /* by segment, then node */
    for (size_t h = 0; h < hits.n; h++) E->node_mark[hits.a[h].node] |= 1;
    Along *along = NULL;
    size_t along_cap = 0;
    for (size_t h = 0; h < hits.n && !err;) {
        i32 s = hits.a[h].seg;
        size_t h0 = h;
        while (h < hits.n && hits.a[h].seg == s) h++;
        size_t k = h - h0;
        if (k > along_cap) {
            Along *na = (Along *)mem_realloc(along, 0, k * sizeof(Along));
            if (!na) { err = FAIL_OOM; break; }
            along = na; along_cap = k;
        }
        i32 u = E->seg_a.a[s], v = E->seg_b.a[s];
        i64 ux = N->x.a[u], uy = N->y.a[u], dx = N->x.a[v] - ux, dy = N->y.a[v] - uy;
        for (size_t i = 0; i < k; i++) {
            i32 n = hits.a[h0 + i].node;
            along[i].node = n;
            along[i].t = (i128)(N->x.a[n] - ux) * dx + (i128)(N->y.a[n] - uy) * dy;
        }
        if (k > 16) qsort(along, k, sizeof(Along), cmp_along);
        else for (size_t i = 1; i < k; i++) {
            Along r = along[i];
            size_t j = i;
            while (j > 0 && along[j - 1].t > r.t) { along[j] = along[j - 1]; j--; }
            along[j] = r;
        }
        split[s] = 1;
        i32 prev = u;
        for (size_t i = 0; i < k && !err; i++) {
            Piece q = {prev, along[i].node, s};
            err = VecPiece_push(pieces, q);
            prev = along[i].node;
        }
        if (!err) { Piece q = {prev, v, s}; err = VecPiece_push(pieces, q); }
    }
    mem_free(along); mem_free(hits.a);
    return err;
}

typedef struct { u64 key; i32 parent, flip; } Keyed;

/* Edges: the segments that were not split, merged in key order with the
 * pieces of those that were; contributions of coinciding ones summed by
 * group (an edge between two polygons of one group cancels out). */
static int build_edges(Engine *E, const uint8_t *split, const VecPiece *pieces) {
    size_t np = pieces->n, ns = E->seg_a.n;
    Keyed *pk = (Keyed *)xmalloc(np, sizeof(Keyed));
    if (!pk) return FAIL_OOM;
    for (size_t i = 0; i < np; i++) {
        const Piece *p = &pieces->a[i];
        i32 a = p->u < p->v ? p->u : p->v, b = p->u < p->v ? p->v : p->u;
        Keyed k = {((u64)a << 32) | (u64)b, p->parent, p->u > p->v ? -1 : 1};
        pk[i] = k;
    }
    if (radix_sort(pk, np, sizeof(Keyed), offsetof(Keyed, key), 8)) { mem_free(pk); return FAIL_OOM; }
    int err = VecI32_grow(&E->e_u, ns + np) || VecI32_grow(&E->e_v, ns + np) || VecI32_grow(&E->e_c0, ns + np + 1) ||
              VecI32_grow(&E->ec_grp, ns / 2 + 2 * np) || VecI32_grow(&E->ec_w, ns / 2 + 2 * np);
    Gather g = {{0}, {0}};
    size_t s = 0, i = 0;
    while (!err) {
        while (s < ns && split[s]) s++;
        u64 ks = s < ns ? ((u64)E->seg_a.a[s] << 32) | (u64)E->seg_b.a[s] : UINT64_MAX;
        u64 kp = i < np ? pk[i].key : UINT64_MAX;
        u64 key = ks < kp ? ks : kp;
        if (key == UINT64_MAX) break;
        int parents = (ks == key) + 0;
        if (ks == key) {
            for (i32 k = E->seg_c0.a[s]; k < E->seg_c0.a[s + 1] && !err; k++)
                err = VecI32_push(&g.src, (i32)E->src_group[E->c_src.a[k]]) || VecI32_push(&g.w, E->c_w.a[k]);
            s++;
        }
        for (size_t j = i; j < np && pk[j].key == key; j++) parents++;
        if (parents > 1) { E->node_mark[key >> 32] |= 2; E->node_mark[key & 0xffffffffu] |= 2; } /* pieces of several segments coincide */
        for (; i < np && pk[i].key == key && !err; i++)
            for (i32 k = E->seg_c0.a[pk[i].parent]; k < E->seg_c0.a[pk[i].parent + 1] && !err; k++)
                err = VecI32_push(&g.src, (i32)E->src_group[E->c_src.a[k]]) || VecI32_push(&g.w, pk[i].flip * E->c_w.a[k]);
        if (!err) err = gather_flush(&g, (i32)(key >> 32), (i32)(key & 0xffffffffu), &E->e_u, &E->e_v, &E->e_c0, &E->ec_grp, &E->ec_w);
    }
    if (!err) err = VecI32_push(&E->e_c0, (i32)E->ec_grp.n);
    mem_free(g.src.a); mem_free(g.w.a); mem_free(pk);
    VecI32_trim(&E->e_u); VecI32_trim(&E->e_v); VecI32_trim(&E->e_c0); VecI32_trim(&E->ec_grp); VecI32_trim(&E->ec_w);
    VecPiece_trim(&E->pieces);
    return err;
}

/* Keep only the nodes that edges still use (borders between polygons of one
 * group are gone), renumbered in the same order: every later step sizes its
 * arrays by the number of nodes. */
static int compact_nodes(Engine *E) {
    Nodes *N = &E->N;
    size_t nn = N->x.n;
    i32 *id = (i32 *)xcalloc(nn, sizeof(i32));
    i64 *X = (i64 *)xmalloc(nn, sizeof(i64)), *Y = (i64 *)xmalloc(nn, sizeof(i64));
    if (!id || !X || !Y) { mem_free(id); mem_free(X); mem_free(Y); return FAIL_OOM; }
    for (size_t e = 0; e < E->e_u.n; e++) { id[E->e_u.a[e]] = 1; id[E->e_v.a[e]] = 1; }
    size_t kept = 0;
    for (size_t v = 0; v < nn; v++) {
        if (!id[v]) { id[v] = -1; continue; }
        X[kept] = N->x.a[v];
        Y[kept] = N->y.a[v];
        id[v] = (i32)kept++;
    }
    for (size_t e = 0; e < E->e_u.n; e++) { E->e_u.a[e] = id[E->e_u.a[e]]; E->e_v.a[e] = id[E->e_v.a[e]]; }
    /* the old coordinates and ids serve step 6, then go */
    E->old_x = N->x.a; E->old_y = N->y.a; E->n_old_nodes = nn; E->node_new = id;
    N->x.a = X; N->y.a = Y; N->x.n = N->y.n = kept; N->x.cap = N->y.cap = nn;
    VecI64_trim(&N->x); VecI64_trim(&N->y);
    return 0;
}

/* ------------------------------------------------------------------ step 5: faces */

static inline i32 he_origin(const Engine *E, i32 h) { return (h & 1) ? E->e_v.a[h >> 1] : E->e_u.a[h >> 1]; }
static inline i32 he_dest(const Engine *E, i32 h) { return (h & 1) ? E->e_u.a[h >> 1] : E->e_v.a[h >> 1]; }

static int half_plane(i64 dx, i64 dy) { return (dy > 0 || (dy == 0 && dx > 0)) ? 0 : 1; }

/* order of two half-edges leaving node o, counter-clockwise from the +x axis */
static int cmp_angle(const Engine *E, i32 o, i32 h1, i32 h2) {
    i64 ox = E->N.x.a[o], oy = E->N.y.a[o];
    i32 d1 = he_dest(E, h1), d2 = he_dest(E, h2);
    i64 x1 = E->N.x.a[d1] - ox, y1 = E->N.y.a[d1] - oy, x2 = E->N.x.a[d2] - ox, y2 = E->N.y.a[d2] - oy;
    int p1 = half_plane(x1, y1), p2 = half_plane(x2, y2);
    if (p1 != p2) return p1 - p2;
    i128 c = (i128)x1 * y2 - (i128)y1 * x2;
    return c > 0 ? -1 : (c < 0 ? 1 : 0);
}

/* next[h]: the half-edge after h around the face on its left, that is, the
 * half-edge leaving h's end just clockwise of h's twin. */
static int build_half_edges(Engine *E) {
    size_t ne = E->e_u.n, nn = E->N.x.n, nh = 2 * ne;
    i32 *out_start = (i32 *)xcalloc(nn + 1, sizeof(i32));
    i32 *out_he = (i32 *)xmalloc(nh, sizeof(i32));
    E->next = (i32 *)xmalloc(nh, sizeof(i32));
    if (!out_start || !out_he || !E->next) { mem_free(out_start); mem_free(out_he); return FAIL_OOM; }
    for (size_t h = 0; h < nh; h++) out_start[he_origin(E, (i32)h) + 1]++;
    for (size_t v = 0; v < nn; v++) out_start[v + 1] += out_start[v];
    for (size_t h = 0; h < nh; h++) out_he[out_start[he_origin(E, (i32)h)]++] = (i32)h;
    for (size_t v = nn; v > 0; v--) out_start[v] = out_start[v - 1];
    out_start[0] = 0;
    for (size_t v = 0; v < nn; v++) {
        i32 lo = out_start[v], deg = out_start[v + 1] - lo;
        i32 *list = out_he + lo;
        for (i32 i = 1; i < deg; i++) { /* counter-clockwise; insertion sort: degrees are small */
            i32 h = list[i], j = i;
            while (j > 0 && cmp_angle(E, (i32)v, list[j - 1], h) > 0) { list[j] = list[j - 1]; j--; }
            list[j] = h;
        }
        for (i32 k = 0; k < deg; k++) E->next[list[k] ^ 1] = list[(k + deg - 1) % deg];
    }
    mem_free(out_start); mem_free(out_he);
    return 0;
}

/* union-find */
static i32 uf_find(i32 *parent, i32 x) {
    while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; }
    return x;
}

typedef struct { i64 py; i64 px; i32 comp; i32 best; } RayQuery;

static int cmp_query(const void *a, const void *b) {
    const RayQuery *x = (const RayQuery *)a, *y = (const RayQuery *)b;
    return (x->py > y->py) - (x->py < y->py);
}

/* Is edge e (lower end a, upper end b) crossed by the ray y = py + eps, x < px, nearer to
 * the ray's origin than edge f?  Both must cross the line. */
static int ray_nearer(const Engine *E, i32 e, i32 f, i64 px, i64 py) {
    const Nodes *N = &E->N;
    i32 a1 = E->e_u.a[e], b1 = E->e_v.a[e], a2 = E->e_u.a[f], b2 = E->e_v.a[f];
    if (N->y.a[a1] > N->y.a[b1]) { i32 t = a1; a1 = b1; b1 = t; }
    if (N->y.a[a2] > N->y.a[b2]) { i32 t = a2; a2 = b2; b2 = t; }
    i128 d1 = N->y.a[b1] - N->y.a[a1], d2 = N->y.a[b2] - N->y.a[a2];
    /* x - px of each crossing: n1/d1 and n2/d2 */
    i128 n1 = (i128)(N->x.a[a1] - px) * d1 + (i128)(py - N->y.a[a1]) * (N->x.a[b1] - N->x.a[a1]);
    i128 n2 = (i128)(N->x.a[a2] - px) * d2 + (i128)(py - N->y.a[a2]) * (N->x.a[b2] - N->x.a[a2]);
    i128 l = n1 * d2, r = n2 * d1;
    if (l != r) return l > r;
    i128 s1 = (i128)(N->x.a[b1] - N->x.a[a1]) * d2, s2 = (i128)(N->x.a[b2] - N->x.a[a2]) * d1;
    return s1 > s2;
}

static int build_faces(Engine *E) {
    size_t ne = E->e_u.n, nn = E->N.x.n, nh = 2 * ne;
    Nodes *N = &E->N;
    E->he_cycle = (i32 *)xmalloc(nh, sizeof(i32));
    if (!E->he_cycle) return FAIL_OOM;
    for (size_t h = 0; h < nh; h++) E->he_cycle[h] = -1;
    VecI32 cycle_first = {0};
    VecI32 cycle_sign = {0};
    uint8_t *has_edge = (uint8_t *)xcalloc(nn, 1);
    if (!has_edge) return FAIL_OOM;
    for (size_t e = 0; e < ne; e++) { has_edge[E->e_u.a[e]] = 1; has_edge[E->e_v.a[e]] = 1; }
    int err = 0;
    for (size_t h0 = 0; h0 < nh && !err; h0++) {
        if (E->he_cycle[h0] >= 0) continue;
        i32 c = (i32)cycle_first.n;
        err = VecI32_push(&cycle_first, (i32)h0);
        if (err) break;
        i32 base = he_origin(E, (i32)h0);
        i64 bx = N->x.a[base], by = N->y.a[base];
        i128 area = 0;
        i32 h = (i32)h0;
        do {
            E->he_cycle[h] = c;
            i32 p = he_origin(E, h), q = he_dest(E, h);
            area += (i128)(N->x.a[p] - bx) * (N->y.a[q] - by) - (i128)(N->x.a[q] - bx) * (N->y.a[p] - by);
            h = E->next[h];
        } while (h != (i32)h0);
        err = VecI32_push(&cycle_sign, area > 0 ? 1 : -1);
    }
    if (err) { mem_free(cycle_first.a); mem_free(cycle_sign.a); mem_free(has_edge); return err; }
    E->n_cycles = (i32)cycle_first.n;
    /* components of the graph */
    i32 *parent = (i32 *)xmalloc(nn, sizeof(i32));
    E->cycle_face = (i32 *)xmalloc((size_t)E->n_cycles, sizeof(i32));
    if (!parent || !E->cycle_face) { mem_free(parent); mem_free(cycle_first.a); mem_free(cycle_sign.a); mem_free(has_edge); return FAIL_OOM; }
    for (size_t v = 0; v < nn; v++) parent[v] = (i32)v;
    for (size_t e = 0; e < ne; e++) {
        i32 a = uf_find(parent, E->e_u.a[e]), b = uf_find(parent, E->e_v.a[e]);
        if (a != b) parent[a < b ? b : a] = a < b ? a : b;
    }
    /* faces: 0 outside, then one per positive cycle */
    i32 nf = 1;
    for (i32 c = 0; c < E->n_cycles; c++) E->cycle_face[c] = cycle_sign.a[c] > 0 ? nf++ : -1;
    E->n_faces = nf;
    /* the outer cycle of each component, and its leftmost-lowest node */
    i32 *comp_outer = (i32 *)xmalloc(nn, sizeof(i32));
    i32 *comp_left = (i32 *)xmalloc(nn, sizeof(i32));
    if (!comp_outer || !comp_left) { mem_free(parent); mem_free(comp_outer); mem_free(comp_left); mem_free(cycle_first.a); mem_free(cycle_sign.a); mem_free(has_edge); return FAIL_OOM; }
    for (size_t v = 0; v < nn; v++) { comp_outer[v] = -1; comp_left[v] = -1; }
    for (size_t v = 0; v < nn; v++) {
        if (!has_edge[v]) continue;
        i32 r = uf_find(parent, (i32)v), l = comp_left[r];
        if (l < 0 || N->x.a[v] < N->x.a[l] || (N->x.a[v] == N->x.a[l] && N->y.a[v] < N->y.a[l])) comp_left[r] = (i32)v;
    }
    for (i32 c = 0; c < E->n_cycles; c++) {
        if (cycle_sign.a[c] > 0) continue;
        i32 r = uf_find(parent, he_origin(E, cycle_first.a[c]));
        if (comp_outer[r] >= 0) E->n_bad_components++;
        comp_outer[r] = c;
    }
    /* locate each component: a ray from its leftmost node towards -x, just above it */
    VecI32 roots = {0};
    for (size_t v = 0; v < nn && !err; v++)
        if (comp_left[v] >= 0 && parent[v] == (i32)v) err = VecI32_push(&roots, (i32)v);
    RayQuery *q = (RayQuery *)xmalloc(roots.n, sizeof(RayQuery));
    if (!q) err = FAIL_OOM;
    size_t nq = 0;
    if (!err) {
        for (size_t i = 0; i < roots.n; i++) {
            i32 p = comp_left[roots.a[i]];
            q[nq].px = N->x.a[p]; q[nq].py = N->y.a[p]; q[nq].comp = roots.a[i]; q[nq].best = -1;
            nq++;
        }
        qsort(q, nq, sizeof(RayQuery), cmp_query);
        for (size_t e = 0; e < ne; e++) {
            i32 a = E->e_u.a[e], b = E->e_v.a[e];
            i64 ya = N->y.a[a], yb = N->y.a[b];
            if (ya == yb) continue;
            i64 ylo = ya < yb ? ya : yb, yhi = ya < yb ? yb : ya;
            i64 xlo = N->x.a[a] < N->x.a[b] ? N->x.a[a] : N->x.a[b];
            /* queries with ylo <= py < yhi */
            size_t lo = 0, hi = nq;
            while (lo < hi) { size_t mid = (lo + hi) / 2; if (q[mid].py < ylo) lo = mid + 1; else hi = mid; }
            for (size_t k = lo; k < nq && q[k].py < yhi; k++) {
                if (xlo >= q[k].px) continue;
                /* x of the edge at y = py + eps, compared with px */
                i32 l = ya < yb ? a : b, u = ya < yb ? b : a;
                i128 d = N->y.a[u] - N->y.a[l];
                i128 num = (i128)(N->x.a[l] - q[k].px) * d + (i128)(q[k].py - N->y.a[l]) * (N->x.a[u] - N->x.a[l]);
                if (num > 0) continue;
                if (num == 0 && N->x.a[u] - N->x.a[l] >= 0) continue;
                if (q[k].best < 0 || ray_nearer(E, (i32)e, q[k].best, q[k].px, q[k].py)) q[k].best = (i32)e;
            }
        }
    }
    /* the face of a half-edge; a negative cycle's face is its component's container */
    i32 *comp_face = (i32 *)xmalloc(nn, sizeof(i32));
    i32 *comp_hit = (i32 *)xmalloc(nn, sizeof(i32));
    if (!comp_face || !comp_hit) err = FAIL_OOM;
    if (!err) {
        for (size_t v = 0; v < nn; v++) { comp_face[v] = -1; comp_hit[v] = -2; }
        for (size_t k = 0; k < nq; k++) comp_hit[q[k].comp] = q[k].best;
        /* resolve containers (nesting is a tree; iterate until stable) */
        int changed = 1;
        while (changed) {
            changed = 0;
            for (size_t k = 0; k < nq; k++) {
                i32 r = q[k].comp;
                if (comp_face[r] >= 0) continue;
                i32 e = comp_hit[r];
                if (e < 0) { comp_face[r] = 0; changed = 1; continue; }
                /* the half-edge of e going down has the ray's side on its left */
                i32 h = N->y.a[E->e_u.a[e]] > N->y.a[E->e_v.a[e]] ? 2 * e : 2 * e + 1;
                i32 c = E->he_cycle[h];
                if (E->cycle_face[c] >= 0) { comp_face[r] = E->cycle_face[c]; changed = 1; continue; }
                i32 r2 = uf_find(parent, he_origin(E, h));
                if (comp_face[r2] >= 0) { comp_face[r] = comp_face[r2]; changed = 1; }
            }
        }
        for (i32 c = 0; c < E->n_cycles; c++) {
            if (E->cycle_face[c] >= 0) continue;
            i32 r = uf_find(parent, he_origin(E, cycle_first.a[c]));
            E->cycle_face[c] = comp_face[r] >= 0 ? comp_face[r] : 0;
            if (comp_face[r] < 0) E->n_bad_components++;
        }
    }
    mem_free(q); mem_free(roots.a); mem_free(comp_face); mem_free(comp_hit); mem_free(has_edge);
    mem_free(parent); mem_free(comp_outer); mem_free(comp_left); mem_free(cycle_sign.a);
    E->cycle_first = cycle_first.a;
    if (err) return err;
    /* cycles per face */
    E->fc_start = (i32 *)xcalloc((size_t)nf + 1, sizeof(i32));
    E->fc = (i32 *)xmalloc((size_t)E->n_cycles, sizeof(i32));
    if (!E->fc_start || !E->fc) return FAIL_OOM;
    for (i32 c = 0; c < E->n_cycles; c++) E->fc_start[E->cycle_face[c] + 1]++;
    for (i32 f = 0; f < nf; f++) E->fc_start[f + 1] += E->fc_start[f];
    for (i32 c = 0; c < E->n_cycles; c++) E->fc[E->fc_start[E->cycle_face[c]]++] = c;
    for (i32 f = nf; f > 0; f--) E->fc_start[f] = E->fc_start[f - 1];
    E->fc_start[0] = 0;
    return 0;
}

/* the half-edges bounding face f (its cycles), into buf */
static int face_half_edges(const Engine *E, i32 f, VecI32 *buf) {
    buf->n = 0;
    for (i32 k = E->fc_start[f]; k < E->fc_start[f + 1]; k++) {
        i32 h0 = E->cycle_first[E->fc[k]], h = h0;
        do { CHECK(VecI32_push(buf, h)); h = E->next[h]; } while (h != h0);
    }
    return 0;
}

static inline i32 he_face(const Engine *E, i32 h) { return E->cycle_face[E->he_cycle[h]]; }

/* ------------------------------------------------------------------ coverage of faces */

/* cov(out) = cov(face) - dir * contributions(edge) */
static int cross_edge(const Engine *E, const i32 *src, const i32 *w, i32 n, i32 h, VecI32 *os, VecI32 *ow) {
    os->n = ow->n = 0;
    for (i32 i = 0; i < n; i++) CHECK(VecI32_push(os, src[i]) || VecI32_push(ow, w[i]));
    i32 e = h >> 1, dir = (h & 1) ? -1 : 1;
    for (i32 k = E->e_c0.a[e]; k < E->e_c0.a[e + 1]; k++) {
        i32 s = E->ec_grp.a[k], d = -dir * E->ec_w.a[k];
        size_t j = 0;
        while (j < os->n && os->a[j] != s) j++;
        if (j < os->n) ow->a[j] += d;
        else CHECK(VecI32_push(os, s) || VecI32_push(ow, d));
    }
    size_t m = 0;
    for (size_t j = 0; j < os->n; j++)
        if (ow->a[j] != 0) { os->a[m] = os->a[j]; ow->a[m] = ow->a[j]; m++; }
    os->n = ow->n = m;
    /* sorted by source, for comparisons */
    for (size_t i = 1; i < m; i++) {
        i32 s = os->a[i], x = ow->a[i];
        size_t j = i;
        while (j > 0 && os->a[j - 1] > s) { os->a[j] = os->a[j - 1]; ow->a[j] = ow->a[j - 1]; j--; }
        os->a[j] = s; ow->a[j] = x;
    }
    return 0;
}

static int build_coverage(Engine *E) {
    i32 nf = E->n_faces;
    E->cov_start = (i32 *)xmalloc((size_t)nf + 1, sizeof(i32));
    i32 *len = (i32 *)xcalloc((size_t)nf, sizeof(i32));
    i32 *queue = (i32 *)xmalloc((size_t)nf, sizeof(i32));
    uint8_t *seen = (uint8_t *)xcalloc((size_t)nf, 1);
    /* coverage lists are appended in visiting order; cov_start/len index into them */
    if (!E->cov_start || !len || !queue || !seen) { mem_free(len); mem_free(queue); mem_free(seen); return FAIL_OOM; }
    VecI32 os = {0}, ow = {0}, hes = {0};
    int err = 0;
    size_t qh = 0, qt = 0;
    queue[qt++] = 0; seen[0] = 1; E->cov_start[0] = 0; len[0] = 0;
    while (qh < qt && !err) {
        i32 f = queue[qh++];
        if ((err = face_half_edges(E, f, &hes))) break;
        for (size_t i = 0; i < hes.n && !err; i++) {
            i32 h = hes.a[i];
            i32 g = he_face(E, h ^ 1);
            if (g == f) continue;
            err = cross_edge(E, E->cov_grp.a + E->cov_start[f], E->cov_w.a + E->cov_start[f], len[f], h, &os, &ow);
            if (err) break;
            if (seen[g]) { /* check: the same coverage from another side */
                int same = (i32)os.n == len[g];
                for (i32 k = 0; same && k < len[g]; k++)
                    same = os.a[k] == E->cov_grp.a[E->cov_start[g] + k] && ow.a[k] == E->cov_w.a[E->cov_start[g] + k];
                if (!same) E->n_winding_mismatch++;
                continue;
            }
            seen[g] = 1;
            E->cov_start[g] = (i32)E->cov_grp.n;
            len[g] = (i32)os.n;
            for (size_t k = 0; k < os.n && !err; k++) {
                err = VecI32_push(&E->cov_grp, os.a[k]) || VecI32_push(&E->cov_w, ow.a[k]);
                if (ow.a[k] < 0) E->grp_flag[os.a[k]] = 1;
            }
            queue[qt++] = g;
        }
    }
    mem_free(os.a); mem_free(ow.a); mem_free(hes.a); mem_free(queue);
    if (!err) {
        for (i32 f = 0; f < nf; f++) if (!seen[f]) { E->n_bad_components++; E->cov_start[f] = (i32)E->cov_grp.n; len[f] = 0; }
        E->face_ncov = len;
        len = NULL;
        E->face_mult = (i32 *)xmalloc((size_t)nf, sizeof(i32));
        if (!E->face_mult) err = FAIL_OOM;
        for (i32 f = 0; f < nf && !err; f++) {
            i32 m = 0;
            for (i32 k = 0; k < E->face_ncov[f]; k++) m += abs(E->cov_w.a[E->cov_start[f] + k]);
            E->face_mult[f] = m;
        }
    }
    mem_free(len); mem_free(seen);
    return err;
}

static inline i32 cov_n(const Engine *E, i32 f) { return E->face_ncov[f]; }
static inline const i32 *cov_g(const Engine *E, i32 f) { return E->cov_grp.a + E->cov_start[f]; }

/* ------------------------------------------------------------------ step 6: gaps open to the outside */

/* Snap rounding closes a channel narrower than a pixel: two boundaries
 * passing through one hot pixel both bend through its centre, and a region
 * that reached the outside through the channel becomes a bounded face.  It
 * is no gap (it was open), so before faces are assigned, every uncovered
 * face is joined with the uncovered faces it meets through such a closed
 * channel, and the gap faces joined with the outside face are left out.
 *
 * Inside the hot pixel H of node v, the segments that pass through it (all
 * of them snap to v) are chords of the square: a segment ending at v (or
 * running through v itself) is a half-chord from v, any other a full chord.
 * Where a segment leaves H it becomes an edge of the graph at v, and going
 * round the pixel's boundary the exits come in the order of the edges
 * around v (Guibas & Marimont: snap rounding deforms the arrangement
 * continuously).  An arc of the boundary between two exits faces the face
 * of the wedge it lies in, or, between two segments whose pieces coincide
 * (they snapped onto one edge), the collapsed channel between them, which
 * runs along the edge to the next pixel.  Two uncovered arcs are joined
 * when no segment separates them inside H: no full chord has one exit on
 * each boundary path between them, and when v is on their side of every
 * full chord, the half-chords from v do not lie on both paths (see
 * `separated` for v beyond a chord).  An exit through a pixel corner counts
 * at the end of the side before it; two exits at one point are ordered by
 * their directions and the arc between them, of no length, joins nothing;
 * two that leave at one point the same way are collinear and coincide
 * there (the same line through the pixel), so any fixed order will do.
 *
 * Only pixels on the boundary of gap faces where a segment was bent or
 * pieces of several segments coincide, with two uncovered wedges or such
 * pieces, are examined, and the pixels at the far end of the channels
 * found (a node whose pieces all cancelled lies inside the face around the
 * channel that reaches it).  Arithmetic is exact: exits are rationals
 * n/d with |n| <= d <= 2^43 on doubled coordinates relative to v. */

enum { SIDE_BOTTOM = 0, SIDE_RIGHT = 1, SIDE_TOP = 2, SIDE_LEFT = 3 };

typedef struct { int side; i128 num, den; } BPos;   /* ccw along the side: num / den in (-1, 1) */
typedef struct {
    BPos pos;
    i64 dx, dy;            /* the segment's direction, leaving the pixel */
    i32 seg, far, he;      /* segment; next node along it (old id); half-edge at v towards far, -1 if cancelled */
    int8_t out, half;      /* out: +1 leaving towards seg_b, -1 towards seg_a; half: a half-chord from v */
    int8_t shut;           /* the arc after this exit has no length (the next exit leaves at the same point) */
} Exit;

static int cmp_bpos(const BPos *p, const BPos *q) {
    if (p->side != q->side) return p->side < q->side ? -1 : 1;
    return sign128(p->num * q->den - q->num * p->den);
}

/* exits by their point on the boundary, counter-clockwise; two leaving at one point by their
 * direction (the one turned clockwise of the other comes first); two the same way (collinear
 * pieces that coincide there) by segment and sense, a fixed order */
static int cmp_exit(const void *a, const void *b) {
    const Exit *x = (const Exit *)a, *y = (const Exit *)b;
    int c = cmp_bpos(&x->pos, &y->pos);
    if (!c) c = -sign128((i128)x->dx * y->dy - (i128)x->dy * y->dx);
    if (!c) c = (x->seg > y->seg) - (x->seg < y->seg);
    return c ? c : (x->out > y->out) - (x->out < y->out);
}

/* the point t = n / d (d > 0) along P + t D on side `side` of [-1, 1]^2, as a boundary position; 0 at a corner */
static int side_pos(int side, i64 px, i64 py, i128 n, i128 d, i64 dx, i64 dy, BPos *out) {
    i128 c = (side == SIDE_LEFT || side == SIDE_RIGHT) ? (i128)py * d + n * dy : (i128)px * d + n * dx;
    if (c >= d || c <= -d) return 0;
    out->side = side; out->den = d;
    out->num = (side == SIDE_BOTTOM || side == SIDE_RIGHT) ? c : -c; /* ccw: bottom x up, right y up, top x down, left y down */
    return 1;
}

/* Where the line through P (doubled, relative to v) in direction D leaves [-1, 1]^2 going along D. */
static int exit_pos(i64 px, i64 py, i64 dx, i64 dy, BPos *out) {
    i128 nx = 0, dxa = 0, ny = 0, dya = 0;
    int hx = dx != 0, hy = dy != 0;
    if (hx) { dxa = dx > 0 ? dx : -dx; nx = dx > 0 ? 1 - (i128)px : 1 + (i128)px; }
    if (hy) { dya = dy > 0 ? dy : -dy; ny = dy > 0 ? 1 - (i128)py : 1 + (i128)py; }
    int c = !hx ? 1 : !hy ? -1 : sign128(nx * dya - ny * dxa); /* -1: x side first */
    if (c == 0) {  /* a corner: the end of the side before it, counter-clockwise */
        out->side = dx > 0 ? (dy > 0 ? SIDE_RIGHT : SIDE_BOTTOM) : (dy > 0 ? SIDE_TOP : SIDE_LEFT);
        out->num = out->den = 1;
        return 1;
    }
    if (c < 0) return side_pos(dx > 0 ? SIDE_RIGHT : SIDE_LEFT, px, py, nx, dxa, dx, dy, out);
    return side_pos(dy > 0 ? SIDE_TOP : SIDE_BOTTOM, px, py, ny, dya, dx, dy, out);
}

typedef struct { i32 lo, hi, s1, s2, elem; } Channel;

static int cmp_channel(const void *a, const void *b) {
    const Channel *x = (const Channel *)a, *y = (const Channel *)b;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    if (x->hi != y->hi) return x->hi < y->hi ? -1 : 1;
    if (x->s1 != y->s1) return x->s1 < y->s1 ? -1 : 1;
    return (x->s2 > y->s2) - (x->s2 < y->s2);
}

typedef struct {
    i32 *inc_start, *inc_seg;   /* segments through each old node's pixel (CSR) */
    i32 *first_piece;           /* per segment: its first piece, -1 if not split */
    i32 *node_he;               /* per (new) node: a half-edge leaving it */
    uint8_t *seen;              /* per old node: examined or queued */
    VecI32 queue, uf, ring, gs, gw, os, ow;
    Channel *ch; size_t nch, capch;
    Exit *ex; size_t capex;
} Pixels;

static i32 uf_add(Pixels *P) {
    i32 id = (i32)P->uf.n;
    return VecI32_push(&P->uf, id) ? -1 : id;
}

static void uf_join(i32 *parent, i32 a, i32 b) {
    a = uf_find(parent, a); b = uf_find(parent, b);
    if (a != b) parent[a < b ? b : a] = a < b ? a : b;
}

/* group contributions of segment s, times `sign`, added to the sorted coverage (gs, gw) */
static int add_segment(const Engine *E, i32 s, int sign, VecI32 *gs, VecI32 *gw) {
    for (i32 k = E->seg_c0.a[s]; k < E->seg_c0.a[s + 1]; k++) {
        i32 g = (i32)E->src_group[E->c_src.a[k]], w = sign * E->c_w.a[k];
        size_t j = 0;
        while (j < gs->n && gs->a[j] < g) j++;
        if (j < gs->n && gs->a[j] == g) { gw->a[j] += w; continue; }
        CHECK(VecI32_push(gs, 0) || VecI32_push(gw, 0));
        memmove(gs->a + j + 1, gs->a + j, (gs->n - 1 - j) * sizeof(i32));
        memmove(gw->a + j + 1, gw->a + j, (gw->n - 1 - j) * sizeof(i32));
        gs->a[j] = g; gw->a[j] = w;
    }
    size_t m = 0;
    for (size_t j = 0; j < gs->n; j++) if (gw->a[j]) { gs->a[m] = gs->a[j]; gw->a[m] = gw->a[j]; m++; }
    gs->n = gw->n = m;
    return 0;
}

static int same_cover(const VecI32 *gs, const VecI32 *gw, const Engine *E, i32 f) {
    if ((i32)gs->n != E->face_ncov[f]) return 0;
    for (size_t k = 0; k < gs->n; k++)
        if (gs->a[k] != E->cov_grp.a[E->cov_start[f] + k] || gw->a[k] != E->cov_w.a[E->cov_start[f] + k]) return 0;
    return 1;
}

/* Exits of the segments through the pixel of old node ov; returns their number, 0 if the pixel is degenerate, -1 on failure. */
static i64 pixel_exits(const Engine *E, Pixels *P, i32 ov) {
    i64 vx = E->old_x[ov], vy = E->old_y[ov];
    size_t n = 0;
    for (i32 k = P->inc_start[ov]; k < P->inc_start[ov + 1]; k++) {
        i32 s = P->inc_seg[k], a = E->seg_a.a[s], b = E->seg_b.a[s];
        P->gs.n = P->gw.n = 0;
        if (add_segment(E, s, 1, &P->gs, &P->gw)) return -1;
        if (!P->gs.n) continue;                      /* cancels within its group: no boundary */
        i32 far_b = b, far_a = a;
        if (E->split[s]) {
            i32 p = P->first_piece[s];
            if (a == ov) far_b = E->pieces.a[p].v;
            else {
                while (E->pieces.a[p].v != ov) p++;
                far_a = E->pieces.a[p].u;
                if (b != ov) far_b = E->pieces.a[p + 1].v;
            }
        }
        i64 ax = 2 * (E->old_x[a] - vx), ay = 2 * (E->old_y[a] - vy), bx = 2 * (E->old_x[b] - vx), by = 2 * (E->old_y[b] - vy);
        int through = a != ov && b != ov && (i128)ax * by - (i128)ay * bx == 0;
        if (n + 2 > P->capex) {
            size_t cap = P->capex ? 2 * P->capex : 64;
            Exit *x = (Exit *)mem_realloc(P->ex, P->capex * sizeof(Exit), cap * sizeof(Exit));
            if (!x) return -1;
            P->ex = x; P->capex = cap;
        }
        for (int dir = 1; dir >= -1; dir -= 2) {
            if ((dir > 0 && b == ov) || (dir < 0 && a == ov)) continue;
            Exit *x = &P->ex[n];
            x->seg = s; x->out = (int8_t)dir; x->far = dir > 0 ? far_b : far_a;
            x->half = a == ov || b == ov || through;
            x->dx = dir * (bx - ax); x->dy = dir * (by - ay);
            int ok = x->half ? exit_pos(0, 0, dir > 0 ? bx : ax, dir > 0 ? by : ay, &x->pos)
                             : exit_pos(ax, ay, dir * (bx - ax), dir * (by - ay), &x->pos);
            if (!ok) return 0;
            n++;
        }
    }
    if (n < 2) return 0;
    qsort(P->ex, n, sizeof(Exit), cmp_exit);
    for (size_t i = 0; i < n; i++) P->ex[i].shut = !cmp_bpos(&P->ex[i].pos, &P->ex[(i + 1) % n].pos);
    return (i64)n;
}

/* is exit p on the ccw boundary path from arc i to arc j (exits i+1 .. j)? */
static inline int on_path(size_t p, size_t i, size_t j, size_t n) { return (p + n - i - 1) % n < (j + n - i) % n; }

/* Do the segments through the pixel separate arcs i and j (exits[] sorted, n of them)?
 * A full chord separates them when its exits lie one on each boundary path
 * between them.  Otherwise they lie in one convex cell C of the full chords.
 * If v is in C, the half-chords (rays from v) separate them when they lie
 * on both paths.  If not, take a full chord c with v beyond it: in the
 * convex part R of the square on C's side of c, a half-chord that reaches
 * R is a chord of R, from c to its exit, and separates the arcs when
 * exactly one of its two ends lies on the path from i to j (its end on c
 * sits where c cuts the boundary, between c's exits). */
static int separated(const Engine *E, const Exit *x, size_t n, size_t i, size_t j, i64 vx, i64 vy) {
    int halves_ij = 0, halves_ji = 0;
    size_t cut_out = n, cut_in = n;   /* exits of a full chord with v beyond it */
    for (size_t p = 0; p < n; p++) {
        if (x[p].half) { if (on_path(p, i, j, n)) halves_ij = 1; else halves_ji = 1; continue; }
        if (x[p].out < 0) continue;                       /* each full chord once, by its exit towards seg_b */
        size_t q = 0;
        while (x[q].seg != x[p].seg || x[q].out > 0) q++;  /* its exit towards seg_a */
        if (on_path(p, i, j, n) != on_path(q, i, j, n)) return 1;
        /* arc i is left of a->b when it lies on the ccw path from the exit towards b to the one towards a */
        int arc_left = (i + n - p) % n < (q + n - p) % n;
        i32 a = E->seg_a.a[x[p].seg], b = E->seg_b.a[x[p].seg];
        int v_left = orient(E->old_x[a], E->old_y[a], E->old_x[b], E->old_y[b], vx, vy) > 0;
        if (arc_left != v_left && cut_out == n) { cut_out = p; cut_in = q; }
    }
    if (!halves_ij && !halves_ji) return 0;
    if (cut_out == n) return halves_ij && halves_ji;   /* v in C: rays on both paths */
    int cut_on_path = on_path(cut_out, i, j, n);
    int arc_left = (i + n - cut_out) % n < (cut_in + n - cut_out) % n;
    for (size_t p = 0; p < n; p++) {
        if (!x[p].half) continue;
        int exit_left = (p + n - cut_out) % n < (cut_in + n - cut_out) % n;
        if (exit_left != arc_left) continue;            /* ends on v's side of the cut: never reaches R */
        if (on_path(p, i, j, n) != cut_on_path) return 1;
    }
    return 0;
}

/* Examine the pixel of new node nv (old id ov): join its uncovered arcs. */
/* Examine the pixel of old node ov (new id nv): join its uncovered arcs.  A node no edge uses any
 * more (nv < 0: every piece through it cancelled) is reached along a collapsed channel; it lies
 * inside one face, `host`, the face around the channel where it was found. */
static int examine_pixel(Engine *E, Pixels *P, i32 ov, i32 nv, i32 host) {
    if (nv >= 0 && !(E->node_mark[ov] & 2)) {  /* no channel can start here: it takes two uncovered wedges */
        int uncovered = 0;
        i32 h0 = P->node_he[nv], h = h0;
        do { uncovered += E->face_ncov[he_face(E, h)] == 0; h = E->next[h ^ 1]; } while (h != h0 && uncovered < 2);
        if (uncovered < 2) return 0;
    }
    E->n_pixels++;
    i64 got = pixel_exits(E, P, ov);
    if (got < 0) return FAIL_OOM;
    if (got == 0) { E->n_pixels_skipped++; return 0; }
    size_t n = (size_t)got;
    Exit *x = P->ex;
    /* half-edges around nv, counter-clockwise, and each exit's half-edge */
    P->ring.n = 0;
    if (nv >= 0) {
        i32 h0 = P->node_he[nv], h = h0;
        do { CHECK(VecI32_push(&P->ring, h)); h = E->next[h ^ 1]; } while (h != h0); /* clockwise */
    }
    size_t deg = P->ring.n;
    for (size_t i = 0; i < n; i++) {
        i32 w = E->node_new[x[i].far];
        x[i].he = -1;
        for (size_t k = 0; w >= 0 && k < deg; k++) if (he_dest(E, P->ring.a[k]) == w) { x[i].he = P->ring.a[k]; break; }
    }
    /* the exits' half-edges must come in the counter-clockwise order of the ring, each in one run */
    size_t first = n, runs = 0, at = 0;  /* first: an exit on an edge, followed by another edge's exit */
    for (size_t i = 0; i < n; i++)
        if ((x[i].he >= 0 || nv < 0) && x[i].far != x[(i + 1) % n].far) { first = i; break; }
    if (first == n) { E->n_pixels_skipped++; return 0; }
    i32 last = x[first].he;  /* walk from the exit after `first`: a run starts there or the sequence is wrong */
    for (size_t k = 1; k <= n; k++) {
        i32 he = x[(first + k) % n].he;
        if (he < 0 || he == last) continue;
        if (runs == 0) { for (at = 0; at < deg && P->ring.a[at] != he; at++) {} }
        else at = (at + deg - 1) % deg;  /* ring is clockwise: the next counter-clockwise is one back */
        if (at >= deg || P->ring.a[at] != he) { E->n_pixels_skipped++; return 0; }
        runs++; last = he;
    }
    if (runs != deg) { E->n_pixels_skipped++; return 0; }
    /* arcs: arc i lies between exit i and exit i + 1; its coverage, from the faces, along the exits */
    i32 *elem = (i32 *)xmalloc(n, sizeof(i32));   /* per arc: union-find element if uncovered, else -1 */
    if (!elem) return FAIL_OOM;
    int err = 0, bad = 0;
    i32 he_cur = x[first].he;
#define WEDGE_FACE (nv >= 0 ? he_face(E, he_cur) : host)
    P->gs.n = P->gw.n = 0;
    i32 f0 = WEDGE_FACE;
    for (i32 k = 0; k < E->face_ncov[f0] && !err; k++)
        err = VecI32_push(&P->gs, E->cov_grp.a[E->cov_start[f0] + k]) || VecI32_push(&P->gw, E->cov_w.a[E->cov_start[f0] + k]);
    for (size_t k = 0; k < n && !err && !bad; k++) {
        size_t i = (first + k) % n, j = (i + 1) % n;
        if (k > 0) err = add_segment(E, x[i].seg, x[i].out, &P->gs, &P->gw);
        if (err) break;
        if (x[i].he >= 0) he_cur = x[i].he;
        int channel = x[i].far == x[j].far;
        if (!channel && !same_cover(&P->gs, &P->gw, E, WEDGE_FACE)) bad = 1;
        elem[i] = -1;
        if (P->gs.n || x[i].shut) continue;
        if (!channel) { elem[i] = WEDGE_FACE; continue; }
        i32 id = uf_add(P);
        if (id < 0) { err = FAIL_OOM; break; }
        elem[i] = id;
        if (P->nch == P->capch) {
            size_t cap = P->capch ? 2 * P->capch : 64;
            Channel *c = (Channel *)mem_realloc(P->ch, P->capch * sizeof(Channel), cap * sizeof(Channel));
            if (!c) { err = FAIL_OOM; break; }
            P->ch = c; P->capch = cap;
        }
        i32 w = x[i].far;
        Channel c = {ov < w ? ov : w, ov < w ? w : ov, x[i].seg < x[j].seg ? x[i].seg : x[j].seg, x[i].seg < x[j].seg ? x[j].seg : x[i].seg, id};
        P->ch[P->nch++] = c;
        /* the far pixel; if no edge uses its node, the channel's own edge cancelled and lies in this wedge's face */
        if (!P->seen[w]) { P->seen[w] = 1; err = VecI32_push(&P->queue, w) || VecI32_push(&P->queue, E->node_new[w] >= 0 ? -1 : WEDGE_FACE); }
    }
#undef WEDGE_FACE
    if (bad) E->n_pixels_skipped++;
    /* join the uncovered arcs that no segment separates */
    for (size_t i = 0; i < n && !err && !bad; i++) {
        if (elem[i] < 0) continue;
        for (size_t j = i + 1; j < n; j++)
            if (elem[j] >= 0 && uf_find(P->uf.a, elem[i]) != uf_find(P->uf.a, elem[j]) &&
                !separated(E, x, n, i, j, E->old_x[ov], E->old_y[ov]))
                uf_join(P->uf.a, elem[i], elem[j]);
    }
    mem_free(elem);
    return err;
}

/* Mark the gap faces that snapping closed off from the outside (face_open). */
static int open_gaps(Engine *E) {
    i32 nf = E->n_faces;
    size_t nn = E->N.x.n, on = E->n_old_nodes, ns = E->seg_a.n;
    E->face_open = (uint8_t *)xcalloc((size_t)nf, 1);
    if (!E->face_open) return FAIL_OOM;
    int any = 0;
    for (i32 f = 1; f < nf && !any; f++) any = E->face_ncov[f] == 0;
    if (!any) return 0;
    Pixels P;
    memset(&P, 0, sizeof P);
    int err = 0;
    P.inc_start = (i32 *)xcalloc(on + 1, sizeof(i32));
    P.first_piece = (i32 *)xmalloc(ns, sizeof(i32));
    P.node_he = (i32 *)xmalloc(nn, sizeof(i32));
    P.seen = (uint8_t *)xcalloc(on, 1);
    if (!P.inc_start || !P.first_piece || !P.node_he || !P.seen) err = FAIL_OOM;
    /* segments through each pixel: a segment's ends and the nodes it was bent through */
    for (size_t s = 0; s < ns && !err; s++) P.first_piece[s] = -1;
    for (size_t p = 0; p < E->pieces.n && !err; p++) {
        i32 s = E->pieces.a[p].parent;
        if (P.first_piece[s] < 0) P.first_piece[s] = (i32)p;
        if (E->pieces.a[p].v != E->seg_b.a[s]) P.inc_start[E->pieces.a[p].v + 1]++;
    }
    for (size_t s = 0; s < ns && !err; s++) { P.inc_start[E->seg_a.a[s] + 1]++; P.inc_start[E->seg_b.a[s] + 1]++; }
    for (size_t v = 0; v < on && !err; v++) P.inc_start[v + 1] += P.inc_start[v];
    if (!err && !(P.inc_seg = (i32 *)xmalloc((size_t)P.inc_start[on], sizeof(i32)))) err = FAIL_OOM;
    if (!err) {
        i32 *fill = (i32 *)xmalloc(on, sizeof(i32));
        if (!fill) err = FAIL_OOM;
        for (size_t v = 0; v < on && !err; v++) fill[v] = P.inc_start[v];
        for (size_t s = 0; s < ns && !err; s++) { P.inc_seg[fill[E->seg_a.a[s]]++] = (i32)s; P.inc_seg[fill[E->seg_b.a[s]]++] = (i32)s; }
        for (size_t p = 0; p < E->pieces.n && !err; p++) {
            i32 s = E->pieces.a[p].parent;
            if (E->pieces.a[p].v != E->seg_b.a[s]) P.inc_seg[fill[E->pieces.a[p].v]++] = s;
        }
        mem_free(fill);
    }
    for (size_t h = 0; h < 2 * E->e_u.n && !err; h++) P.node_he[he_origin(E, (i32)h)] = (i32)h;
    /* union-find over the faces, then the channels */
    for (i32 f = 0; f < nf && !err; f++) err = VecI32_push(&P.uf, f);
    /* seeds: the marked pixels on the boundary of gap faces */
    i32 *old_of = err ? NULL : (i32 *)xmalloc(nn, sizeof(i32));
    if (!err && !old_of) err = FAIL_OOM;
    for (size_t v = 0; v < on && !err; v++) if (E->node_new[v] >= 0) old_of[E->node_new[v]] = (i32)v;
    VecI32 hes = {0};
    for (i32 f = 1; f < nf && !err; f++) {
        if (E->face_ncov[f]) continue;
        if ((err = face_half_edges(E, f, &hes))) break;
        for (size_t k = 0; k < hes.n && !err; k++) {
            i32 ov = old_of[he_origin(E, hes.a[k])];
            if (E->node_mark[ov] && !P.seen[ov]) { P.seen[ov] = 1; err = VecI32_push(&P.queue, ov) || VecI32_push(&P.queue, -1); }
        }
    }
    for (size_t q = 0; q + 1 < P.queue.n && !err; q += 2) {  /* (old node, host face of a node no edge uses) */
        i32 ov = P.queue.a[q];
        err = examine_pixel(E, &P, ov, E->node_new[ov], P.queue.a[q + 1]);
    }
    /* a channel found at both ends joins what its two pixels joined it to */
    if (!err && P.nch) {
        qsort(P.ch, P.nch, sizeof(Channel), cmp_channel);
        for (size_t i = 0; i + 1 < P.nch; i++)
            if (!cmp_channel(&P.ch[i], &P.ch[i + 1])) uf_join(P.uf.a, P.ch[i].elem, P.ch[i + 1].elem);
    }
    for (i32 f = 1; f < nf && !err; f++)
        if (!E->face_ncov[f] && uf_find(P.uf.a, f) == uf_find(P.uf.a, 0)) { E->face_open[f] = 1; E->n_open++; }
    mem_free(hes.a); mem_free(old_of);
    mem_free(P.inc_start); mem_free(P.inc_seg); mem_free(P.first_piece); mem_free(P.node_he); mem_free(P.seen);
    mem_free(P.queue.a); mem_free(P.uf.a); mem_free(P.ring.a); mem_free(P.gs.a); mem_free(P.gw.a); mem_free(P.os.a); mem_free(P.ow.a);
    mem_free(P.ch); mem_free(P.ex);
    return err;
}

/* ------------------------------------------------------------------ step 7: assign faces */

enum { K_OUTSIDE = 0, K_SINGLE = 1, K_GAP = 2, K_OVERLAP = 3, K_WITHIN = 4 };
enum { R_NONE = 0, R_ENCLOSED = 1, R_LONGEST = 2, R_FIRST = 3, R_WHOLE = 4 };

static void edge_lengths(Engine *E) {
    Nodes *N = &E->N;
    for (size_t e = 0; e < E->e_u.n; e++) {
        i32 a = E->e_u.a[e], b = E->e_v.a[e];
        double dx = (double)(N->x.a[b] - N->x.a[a]) * E->unit, dy = (double)(N->y.a[b] - N->y.a[a]) * E->unit;
        if (E->geographic) dx *= cos(((double)(N->y.a[a] + N->y.a[b]) * 0.5 * E->unit) * (M_PI / 180.0));
        E->edge_len[e] = sqrt(dx * dx + dy * dy);
    }
}

/* the groups covering face f (sorted) */
static size_t face_groups(const Engine *E, i32 f, VecI32 *out) {
    out->n = 0;
    const i32 *g = cov_g(E, f);
    for (i32 k = 0; k < cov_n(E, f); k++)
        if (VecI32_push(out, g[k])) return (size_t)-1;
    return out->n;
}

/* Border length of the faces `region` (a list) with each group in `cand`
 * (or any group if cand is NULL), through neighbouring faces outside the
 * region that are already assigned; returns the best group, -1 if none,
 * -2 on failure.  `in_region(g)` tells whether face g belongs to the region. */
static i32 best_border(const Engine *E, const i32 *faces, size_t nfaces, const i32 *region_of, i32 region,
                       const i32 *assigned, const VecI32 *cand, VecI32 *gs, VecF64 *len, int *n_groups, VecI32 *hes) {
    gs->n = len->n = 0;
    for (size_t r = 0; r < nfaces; r++) {
        if (face_half_edges(E, faces[r], hes)) return -2;
        for (size_t i = 0; i < hes->n; i++) {
            i32 h = hes->a[i];
            i32 g = he_face(E, h ^ 1);
            if (g == faces[r] || (region_of && region_of[g] == region)) continue;
            i32 grp = assigned[g];
            if (grp < 0) continue;
            if (cand) {
                size_t j = 0;
                while (j < cand->n && cand->a[j] != grp) j++;
                if (j == cand->n) continue;
            }
            size_t j = 0;
            while (j < gs->n && gs->a[j] != grp) j++;
            if (j == gs->n) { if (VecI32_push(gs, grp) || VecF64_push(len, 0.0)) return -2; }
            len->a[j] += E->edge_len[h >> 1];
        }
    }
    *n_groups = (int)gs->n;
    i32 best = -1;
    double bl = -1;
    for (size_t j = 0; j < gs->n; j++)
        if (len->a[j] > bl || (len->a[j] == bl && gs->a[j] < best)) { bl = len->a[j]; best = gs->a[j]; }
    return best;
}

static int same_groups(const VecI32 *x, const VecI32 *y) {
    if (x->n != y->n) return 0;
    for (size_t i = 0; i < x->n; i++) if (x->a[i] != y->a[i]) return 0;
    return 1;
}

/* Each face to a group.  Overlaps of several groups are assigned region by
 * region (overlap faces joined across edges when covered by the same
 * groups): to a group that has no face of its own (the overlap is all it
 * has), else in rounds to the group among them with the longest border with
 * the region, through faces already assigned; a region that borders none
 * of its groups goes to the group whose own rings bound it longest.  Then
 * each gap goes to the neighbouring group with the longest border. */
static int assign_faces(Engine *E) {
    i32 nf = E->n_faces;
    E->face_kind = (int8_t *)xcalloc((size_t)nf, 1);
    E->face_group = (i32 *)xmalloc((size_t)nf, sizeof(i32));
    E->face_rule = (int8_t *)xcalloc((size_t)nf, 1);
    E->face_region = (i32 *)xmalloc((size_t)nf, sizeof(i32));
    E->edge_len = (double *)xmalloc(E->e_u.n, sizeof(double));
    i32 *tent = (i32 *)xmalloc((size_t)nf, sizeof(i32));
    if (!E->face_kind || !E->face_group || !E->face_rule || !E->face_region || !E->edge_len || !tent) { mem_free(tent); return FAIL_OOM; }
    edge_lengths(E);
    VecI32 groups = {0}, other = {0}, gs = {0}, overl = {0}, hes = {0}, members = {0}, regions = {0};
    VecF64 len = {0};
    int err = 0;
    for (i32 f = 0; f < nf && !err; f++) {
        E->face_group[f] = -1;
        E->face_region[f] = f;
        if (f == 0) { E->face_kind[f] = K_OUTSIDE; continue; }
        size_t ng = face_groups(E, f, &groups);
        if (ng == (size_t)-1) { err = FAIL_OOM; break; }
        if (ng == 0) E->face_kind[f] = E->face_open[f] ? K_OUTSIDE : K_GAP;
        else if (ng == 1) { E->face_kind[f] = E->face_mult[f] > 1 ? K_WITHIN : K_SINGLE; E->face_group[f] = groups.a[0]; }
        else { E->face_kind[f] = K_OVERLAP; err = VecI32_push(&overl, f); }
    }
    /* overlap regions */
    for (size_t i = 0; i < overl.n && !err; i++) {
        i32 f = overl.a[i];
        if (face_groups(E, f, &groups) == (size_t)-1 || face_half_edges(E, f, &hes)) { err = FAIL_OOM; break; }
        for (size_t k = 0; k < hes.n && !err; k++) {
            i32 g = he_face(E, hes.a[k] ^ 1);
            if (E->face_kind[g] != K_OVERLAP) continue;
            if (face_groups(E, g, &other) == (size_t)-1) { err = FAIL_OOM; break; }
            if (!same_groups(&groups, &other)) continue;
            i32 a = uf_find(E->face_region, f), b = uf_find(E->face_region, g);
            if (a != b) E->face_region[a < b ? b : a] = a < b ? a : b;
        }
    }
    /* members of each region, contiguous: regions sorted by root */
    i32 *start = err ? NULL : (i32 *)xcalloc((size_t)nf + 1, sizeof(i32));
    if (!err && !start) err = FAIL_OOM;
    if (!err) {
        for (size_t i = 0; i < overl.n; i++) { i32 r = uf_find(E->face_region, overl.a[i]); E->face_region[overl.a[i]] = r; start[r + 1]++; }
        for (i32 f = 0; f < nf; f++) start[f + 1] += start[f];
        err = VecI32_grow(&members, overl.n + 1);
        members.n = overl.n;
        for (size_t i = 0; i < overl.n && !err; i++) members.a[start[E->face_region[overl.a[i]]]++] = overl.a[i];
        for (i32 f = nf; f > 0; f--) start[f] = start[f - 1];
        start[0] = 0;
        for (size_t i = 0; i < overl.n && !err; i++)
            if (E->face_region[overl.a[i]] == overl.a[i]) err = VecI32_push(&regions, overl.a[i]);
    }
    /* an overlap that is all a group has goes to that group (a unit drawn inside another's polygon) */
    uint8_t *own = err ? NULL : (uint8_t *)xcalloc((size_t)E->n_groups, 1);
    if (!err && !own) err = FAIL_OOM;
    for (i32 f = 1; f < nf && !err; f++)
        if (E->face_kind[f] == K_SINGLE || E->face_kind[f] == K_WITHIN) own[E->face_group[f]] = 1;
    if (!err) {
        size_t keep = 0;
        for (size_t i = 0; i < regions.n; i++) {
            i32 r = regions.a[i], whole = -1;
            if (face_groups(E, r, &groups) == (size_t)-1) { err = FAIL_OOM; break; }
            for (size_t j = 0; j < groups.n && whole < 0; j++) if (!own[groups.a[j]]) whole = groups.a[j];
            if (whole < 0) { regions.a[keep++] = r; continue; }
            for (i32 k = start[r]; k < start[r + 1]; k++) { E->face_group[members.a[k]] = whole; E->face_rule[members.a[k]] = R_WHOLE; }
        }
        regions.n = keep;
    }
    mem_free(own);
    /* rounds of longest border */
    int progress = 1;
    while (regions.n && progress && !err) {
        progress = 0;
        for (size_t i = 0; i < regions.n && !err; i++) {
            i32 r = regions.a[i], ng;
            if (face_groups(E, r, &groups) == (size_t)-1) { err = FAIL_OOM; break; }
            i32 best = best_border(E, members.a + start[r], (size_t)(start[r + 1] - start[r]), E->face_region, r,
                                   E->face_group, &groups, &gs, &len, &ng, &hes);
            if (best == -2) { err = FAIL_OOM; break; }
            tent[r] = best;
        }
        size_t keep = 0;
        for (size_t i = 0; i < regions.n; i++) {
            i32 r = regions.a[i];
            if (tent[r] < 0) { regions.a[keep++] = r; continue; }
            for (i32 k = start[r]; k < start[r + 1]; k++) { E->face_group[members.a[k]] = tent[r]; E->face_rule[members.a[k]] = R_LONGEST; }
            progress = 1;
        }
        regions.n = keep;
    }
    /* left over (no neighbour of its groups): the group whose own rings bound it longest */
    for (size_t i = 0; i < regions.n && !err; i++) {
        i32 r = regions.a[i];
        if (face_groups(E, r, &groups) == (size_t)-1) { err = FAIL_OOM; break; }
        i32 best = groups.a[0];
        double bl = 0;
        for (size_t j = 0; j < groups.n && !err; j++) {
            double l = 0;
            for (i32 m = start[r]; m < start[r + 1] && !err; m++) {
                if (face_half_edges(E, members.a[m], &hes)) { err = FAIL_OOM; break; }
                for (size_t k = 0; k < hes.n; k++) {
                    i32 e = hes.a[k] >> 1;
                    if (E->face_region[he_face(E, hes.a[k] ^ 1)] == r) continue;
                    for (i32 c = E->e_c0.a[e]; c < E->e_c0.a[e + 1]; c++)
                        if (E->ec_grp.a[c] == groups.a[j]) { l += E->edge_len[e]; break; }
                }
            }
            if (l > bl) { bl = l; best = groups.a[j]; }
        }
        for (i32 k = start[r]; k < start[r + 1]; k++) {
            E->face_group[members.a[k]] = best;
            E->face_rule[members.a[k]] = bl > 0 ? R_LONGEST : R_FIRST;
        }
    }
    /* gaps: all their neighbours are assigned now (gap faces never border each other) */
    for (i32 f = 1; f < nf && !err; f++) {
        if (E->face_kind[f] != K_GAP) continue;
        int ng = 0;
        i32 best = best_border(E, &f, 1, NULL, -1, E->face_group, NULL, &gs, &len, &ng, &hes);
        if (best == -2) { err = FAIL_OOM; break; }
        tent[f] = best;
        E->face_rule[f] = ng == 1 ? R_ENCLOSED : R_LONGEST;
        if (best < 0) { E->n_bad_components++; E->face_rule[f] = R_NONE; }
    }
    for (i32 f = 1; f < nf; f++) if (E->face_kind[f] == K_GAP) E->face_group[f] = tent[f];
    mem_free(tent); mem_free(start); mem_free(groups.a); mem_free(other.a); mem_free(gs.a); mem_free(overl.a);
    mem_free(len.a); mem_free(hes.a); mem_free(members.a); mem_free(regions.a);
    return err;
}

/* ------------------------------------------------------------------ step 8: rings of regions */

typedef struct {
    VecF64 xy;            /* coordinates */
    VecI64 ring_off;      /* per ring: start in xy (pairs); n_rings + 1 */
    VecI64 poly_off;      /* per polygon: first ring; n_polys + 1 */
    VecI64 geom_off;      /* per label: first polygon; n_labels + 1 */
} Rings;

static void rings_free(Rings *R) { mem_free(R->xy.a); mem_free(R->ring_off.a); mem_free(R->poly_off.a); mem_free(R->geom_off.a); }

typedef struct { i32 label, region; int shell; i64 start, end; } RingInfo;

typedef struct {
    RingInfo *a;
    size_t n, cap;
    VecF64 xy;  /* ring coordinates, closed */
    const uint8_t *outline;  /* if set: the nodes on the outline, and where to put (node, label) of holes through them */
    VecI32 *pinch;
} RingSet;

static int emit_ring_xy(Engine *E, RingSet *S, const i32 *nodes, size_t n, i32 L, i32 region);

/* Append ring `nodes` (open) of region `region` with label L. */
static int emit_ring(Engine *E, RingSet *S, const i32 *nodes, size_t n, i32 L, i32 region) {
    if (n < 3) { E->n_bad_rings++; return 0; }
    int err = emit_ring_xy(E, S, nodes, n, L, region);
    if (err || !S->outline || S->a[S->n - 1].shell) return err;
    for (size_t k = 0; k < n; k++) /* a hole through a node of the outline: see trace_units */
        if (S->outline[nodes[k]]) CHECK(VecI32_push(S->pinch, nodes[k]) || VecI32_push(S->pinch, L));
    return 0;
}

static int emit_ring_xy(Engine *E, RingSet *S, const i32 *nodes, size_t n, i32 L, i32 region) {
    Nodes *N = &E->N;
    i64 bx = N->x.a[nodes[0]], by = N->y.a[nodes[0]];
    i128 area = 0;
    i64 start = (i64)S->xy.n / 2;
    for (size_t k = 0; k <= n; k++) {
        i32 p = nodes[k % n];
        if (k < n) {
            i32 q = nodes[(k + 1) % n];
            area += (i128)(N->x.a[p] - bx) * (N->y.a[q] - by) - (i128)(N->x.a[q] - bx) * (N->y.a[p] - by);
        }
        CHECK(VecF64_push(&S->xy, (double)N->x.a[p] * E->unit) || VecF64_push(&S->xy, (double)N->y.a[p] * E->unit));
    }
    if (S->n == S->cap) {
        size_t cap = S->cap ? 2 * S->cap : 256;
        RingInfo *a = (RingInfo *)mem_realloc(S->a, S->n * sizeof(RingInfo), cap * sizeof(RingInfo));
        if (!a) return FAIL_OOM;
        S->a = a; S->cap = cap;
    }
    RingInfo ri = {L, region, area > 0, start, (i64)S->xy.n / 2};
    S->a[S->n++] = ri;
    return 0;
}

static int cmp_ring(const void *a, const void *b) {
    const RingInfo *x = (const RingInfo *)a, *y = (const RingInfo *)b;
    if (x->label != y->label) return (x->label > y->label) - (x->label < y->label);
    if (x->region != y->region) return (x->region > y->region) - (x->region < y->region);
    if (x->shell != y->shell) return y->shell - x->shell; /* shell first */
    return (x->start > y->start) - (x->start < y->start);
}

/* Trace the boundary of every region (faces joined across edges that have
 * the same label >= 0 on both sides) into polygons: the region's shell and
 * its holes, each ring split where it touches itself, so that every ring is
 * simple and rings meet only at single points. */
static int trace_regions(Engine *E, const i32 *label, i32 n_labels, Rings *R, const uint8_t *outline, VecI32 *pinch) {
    size_t nh = 2 * E->e_u.n, nn = E->N.x.n;
    i32 nf = E->n_faces;
    i32 *parent = (i32 *)xmalloc((size_t)nf, sizeof(i32));
    uint8_t *done = (uint8_t *)xcalloc(nh, 1);
    i32 *at = (i32 *)xmalloc(nn, sizeof(i32)); /* position of a node in the current walk, or -1 */
    RingSet S = {0};
    S.outline = outline; S.pinch = pinch;
    VecI32 walk = {0};
    int err = (!parent || !done || !at) ? FAIL_OOM : 0;
    if (!err) {
        for (i32 f = 0; f < nf; f++) parent[f] = f;
        for (size_t e = 0; e < E->e_u.n; e++) {
            i32 f = he_face(E, 2 * (i32)e), g = he_face(E, 2 * (i32)e + 1);
            if (label[f] >= 0 && label[f] == label[g]) {
                i32 a = uf_find(parent, f), b = uf_find(parent, g);
                if (a != b) parent[a < b ? b : a] = a < b ? a : b;
            }
        }
        for (size_t v = 0; v < nn; v++) at[v] = -1;
    }
    for (size_t h0 = 0; h0 < nh && !err; h0++) {
        i32 L = label[he_face(E, (i32)h0)];
        if (done[h0] || L < 0 || label[he_face(E, (i32)h0 ^ 1)] == L) continue;
        i32 region = uf_find(parent, he_face(E, (i32)h0)); /* the walk stays in one region */
        walk.n = 0;
        i32 h = (i32)h0;
        do {
            done[h] = 1;
            i32 v = he_origin(E, h);
            if (at[v] >= 0) { /* back at a node of this walk: the loop since then is a ring */
                size_t from = (size_t)at[v];
                err = emit_ring(E, &S, walk.a + from, walk.n - from, L, region);
                for (size_t k = from; k < walk.n; k++) at[walk.a[k]] = -1;
                walk.n = from;
                if (err) break;
            }
            at[v] = (i32)walk.n;
            if ((err = VecI32_push(&walk, v))) break;
            /* the next boundary half-edge: turn clockwise past the region's interior edges */
            i32 e = E->next[h];
            while (label[he_face(E, e ^ 1)] == L) e = E->next[e ^ 1];
            h = e;
        } while (h != (i32)h0);
        if (!err) err = emit_ring(E, &S, walk.a, walk.n, L, region);
        for (size_t k = 0; k < walk.n; k++) at[walk.a[k]] = -1;
    }
    mem_free(walk.a); mem_free(at); mem_free(done); mem_free(parent);
    if (!err) {
        /* polygons: per label, per region, the shell then its holes */
        if (S.n) qsort(S.a, S.n, sizeof(RingInfo), cmp_ring); /* (qsort may not see NULL) */
        R->xy.n = R->ring_off.n = R->poly_off.n = R->geom_off.n = 0;
        size_t i = 0;
        for (i32 l = 0; l < n_labels && !err; l++) {
            err = VecI64_push(&R->geom_off, (i64)R->poly_off.n);
            while (i < S.n && S.a[i].label == l && !err) {
                size_t j = i;
                while (j < S.n && S.a[j].label == l && S.a[j].region == S.a[i].region) j++;
                if (!S.a[i].shell || (j > i + 1 && S.a[i + 1].shell)) E->n_bad_rings++; /* one shell per region */
                for (size_t k = i; k < j && !err; k++) {
                    if (S.a[k].shell) err = VecI64_push(&R->poly_off, (i64)R->ring_off.n);
                    if (!err && k == i && !S.a[k].shell) err = VecI64_push(&R->poly_off, (i64)R->ring_off.n);
                    if (!err) err = VecI64_push(&R->ring_off, (i64)R->xy.n / 2);
                    for (i64 p = S.a[k].start; p < S.a[k].end && !err; p++)
                        err = VecF64_push(&R->xy, S.xy.a[2 * p]) || VecF64_push(&R->xy, S.xy.a[2 * p + 1]);
                }
                i = j;
            }
        }
        if (!err) err = VecI64_push(&R->geom_off, (i64)R->poly_off.n) || VecI64_push(&R->poly_off, (i64)R->ring_off.n) ||
                        VecI64_push(&R->ring_off, (i64)R->xy.n / 2);
    }
    mem_free(S.a); mem_free(S.xy.a);
    return err;
}

/* ------------------------------------------------------------------ step 8b: pinches GEOS misreads */

/* GEOS's coverage validator (CoveragePolygonValidator) judges a segment of
 * one polygon against each ring corner of a neighbour separately: a segment
 * of unit Y ending at node v, on the outline (its other side outside), is
 * taken as "interior" to unit X when X has a hole whose ring passes through
 * v, since the hole corner alone says everything outside the hole is X.
 * That happens where X's hole touches X's shell at v on the outline and Y
 * touches v from outside: a valid coverage GEOS reports invalid.  Snap
 * rounding makes such pinches out of near-coincident copies (needles one
 * grid unit wide).  So after tracing the units, for each hole through a
 * node of the outline where another unit has an outline edge, the faces of
 * that unit at the node bordering the outline, and the gaps left open there
 * (step 6), go to X when they are slivers of snap rounding (mean width,
 * 2 area / perimeter, under one grid unit; an open gap so filled is logged
 * as an enclosed gap), and the units are traced again.  Where none of those is a sliver, the
 * slivers inside X's hole at v go to X instead (snap rounding moved a vertex of a thin polygon
 * inside X onto X's outline).  A pinch made of wider faces is the input's own and stays (GEOS
 * misreads it on the input too). */

static int is_sliver(const Engine *E, i32 f, VecI32 *hes) {
    CHECK(face_half_edges(E, f, hes));
    i128 area = 0;
    double perimeter = 0;
    const Nodes *N = &E->N;
    for (size_t k = 0; k < hes->n; k++) {
        i32 p = he_origin(E, hes->a[k]), q = he_dest(E, hes->a[k]);
        area += (i128)N->x.a[p] * N->y.a[q] - (i128)N->x.a[q] * N->y.a[p];
        perimeter += hypot((double)(N->x.a[q] - N->x.a[p]), (double)(N->y.a[q] - N->y.a[p]));
    }
    return (double)area < perimeter;  /* area here is twice the area */
}

/* may face f change hands without breaking a repair piece? */
static int movable(const Engine *E, i32 f) {
    int k = E->face_kind[f];
    if (k == K_SINGLE || k == K_WITHIN || k == K_GAP) return 1;
    if (k != K_OVERLAP || E->face_region[f] != f) return 0;
    for (i32 g = 1; g < E->n_faces; g++) if (g != f && E->face_kind[g] == K_OVERLAP && E->face_region[g] == f) return 0;
    return 1;
}

/* Give face f to unit X (a sliver at a pinch); an open gap so filled becomes an enclosed gap. */
static void give_face(Engine *E, i32 *label, i32 f, i32 X) {
    label[f] = X; E->face_group[f] = X; E->n_pinch_moved++;
    if (E->face_rule[f] == R_WHOLE) E->face_rule[f] = R_LONGEST;  /* no longer the whole of its unit */
    if (E->face_open[f]) { E->face_open[f] = 0; E->n_open--; E->face_kind[f] = K_GAP; E->face_rule[f] = R_ENCLOSED; }
}

/* The faces of other units at v bordering the outline, and the gaps left open there, that are
 * slivers: to X.  Returns how many moved, or an error (< 0). */
static int outline_slivers(Engine *E, i32 *label, i32 h0, i32 X, VecI32 *hes) {
    int moved = 0;
    i32 h = h0;
    do {
        i32 l = he_face(E, h), r = he_face(E, h ^ 1);
        i32 f = label[l] < 0 ? r : (label[r] < 0 ? l : -1);
        int other = f >= 0 && label[f] >= 0 && label[f] != X && movable(E, f);
        int open = l > 0 && E->face_open[l];
        if (open) f = l;
        if (other || open) {
            int sl = is_sliver(E, f, hes);
            if (sl < 0) return sl;
            if (sl) { give_face(E, label, f, X); moved++; }
        }
        h = E->next[h ^ 1];
    } while (h != h0);
    return moved;
}

/* The faces at v inside X's hole (a run of wedges between X's that does not reach the outside)
 * that are slivers: to X, so that the hole leaves v (snap rounding may move a vertex of a thin
 * polygon inside X onto X's outline).  Returns how many moved, or an error (< 0). */
static int hole_slivers(Engine *E, i32 *label, i32 h0, i32 X, VecI32 *hes, VecI32 *run) {
    i32 h = h0;
    while (label[he_face(E, h)] != X) { h = E->next[h ^ 1]; if (h == h0) return 0; }
    i32 start = h;
    int moved = 0, outside = 0;
    run->n = 0;
    do {  /* clockwise from a wedge of X: each run of other wedges, ended by the next wedge of X */
        h = E->next[h ^ 1];
        i32 f = he_face(E, h);
        if (label[f] != X) { outside |= label[f] < 0; CHECK(VecI32_push(run, f)); continue; }
        for (size_t k = 0; k < run->n && !outside; k++) {
            i32 g = run->a[k];
            if (label[g] == X || !movable(E, g)) continue;
            int sl = is_sliver(E, g, hes);
            if (sl < 0) return sl;
            if (sl) { give_face(E, label, g, X); moved++; }
        }
        run->n = 0; outside = 0;
    } while (h != start);
    return moved;
}

/* Trace the units, settling the pinches GEOS misreads (above) in a few rounds. */
static int trace_units(Engine *E, i32 *label, Rings *R) {
    size_t nn = E->N.x.n, nh = 2 * E->e_u.n;
    uint8_t *outline = (uint8_t *)xcalloc(nn, 1);
    i32 *node_he = (i32 *)xmalloc(nn, sizeof(i32));
    VecI32 pinch = {0}, hes = {0}, run = {0};
    int err = (!outline || !node_he) ? FAIL_OOM : 0;
    for (size_t h = 0; h < nh && !err; h++) {
        node_he[he_origin(E, (i32)h)] = (i32)h;
        if ((label[he_face(E, (i32)h)] < 0) != (label[he_face(E, (i32)h ^ 1)] < 0)) outline[he_origin(E, (i32)h)] = 1;
    }
    for (int round = 0; round < 8 && !err; round++) {
        pinch.n = 0;
        R->xy.n = R->ring_off.n = R->poly_off.n = R->geom_off.n = 0;
        if ((err = trace_regions(E, label, (i32)E->n_groups, R, outline, &pinch))) break;
        int moved = 0;
        for (size_t k = 0; k + 1 < pinch.n && !err; k += 2) {
            i32 h0 = node_he[pinch.a[k]], X = pinch.a[k + 1];
            int m = outline_slivers(E, label, h0, X, &hes);
            if (m == 0) m = hole_slivers(E, label, h0, X, &hes, &run);  /* else the pinch may be gone */
            if (m < 0) err = m; else moved += m;
        }
        if (!moved) break;
    }
    mem_free(outline); mem_free(node_he); mem_free(pinch.a); mem_free(hes.a); mem_free(run.a);
    return err;
}

/* ------------------------------------------------------------------ the Python function */

typedef struct {
    Rings units, pieces, excess, open;
    VecI32 rep_face, rep_other_off, rep_other;
    VecF64 rep_width;  /* per piece: a gap's mean width, 2 area / perimeter (NaN for an overlap) */
} Output;

/* Mean width of gap face f, 2 area / perimeter, in the units of the layer; on a geographic
 * layer east-west lengths shrink with the cosine of the latitude (of each edge's middle for
 * the perimeter, of the face's centroid for the area), so that a width means the same
 * distance anywhere.  NaN when the face cannot be walked. */
static double gap_width(const Engine *E, i32 f, VecI32 *hes) {
    if (face_half_edges(E, f, hes)) return NAN;
    const Nodes *N = &E->N;
    i64 bx = N->x.a[he_origin(E, hes->a[0])], by = N->y.a[he_origin(E, hes->a[0])];
    double area2 = 0, my = 0, perimeter = 0;   /* twice the area; its first moment in y (times 6) */
    for (size_t k = 0; k < hes->n; k++) {
        i32 h = hes->a[k], p = he_origin(E, h), q = he_dest(E, h);
        double px = (double)(N->x.a[p] - bx), py = (double)(N->y.a[p] - by);
        double qx = (double)(N->x.a[q] - bx), qy = (double)(N->y.a[q] - by);
        double c = px * qy - qx * py;
        area2 += c;
        my += (py + qy) * c;
        perimeter += E->edge_len[h >> 1];
    }
    if (!(area2 > 0) || !(perimeter > 0)) return NAN;
    double area = 0.5 * area2 * E->unit * E->unit;
    if (E->geographic) area *= cos(((double)by + my / (3.0 * area2)) * E->unit * (M_PI / 180.0));
    return 2.0 * area / perimeter;
}

#define LAP(k) (t2 = now_ms(), E->ms[k] += t2 - *t, *t = t2)

/* Steps 1-3 of both entries: the segments and their grid, crossings and nodes, snap rounding,
 * the edges; the grid's memory is freed at the end (it serves the next steps). ``t``: the clock
 * of the step times (E->ms). */
static int build_graph(Engine *E, double *t) {
    double t2;
    CHECK(build_segments(E));
    LAP(0);
    CHECK(index_segments(E));
    LAP(1);
    VecI64 px = {0}, py = {0};
    int err = find_crossings(E, &px, &py);
    if (!err) err = add_nodes(E, &px, &py);
    mem_free(px.a); mem_free(py.a);
    if (err) return err;
    LAP(2);
    E->split = (uint8_t *)xcalloc(E->seg_a.n, 1);
    E->node_mark = (uint8_t *)xcalloc(E->N.x.n, 1);
    err = E->split && E->node_mark ? snap_round(E, E->split, &E->pieces) : FAIL_OOM;
    if (!err) err = build_edges(E, E->split, &E->pieces);
    if (!err) err = compact_nodes(E);
    if (err) return err;
    mem_free(E->cell_start); mem_free(E->cell_seg); mem_free(E->ncell_start);
    E->cell_start = E->cell_seg = E->ncell_start = NULL;
    LAP(3);
    return 0;
}

/* The segments, the pieces of snap rounding and the node maps are done with once the faces and
 * their coverage are built. */
static void free_segments(Engine *E) {
    E->n_segments = (i64)E->seg_a.n;
    mem_free(E->seg_a.a); mem_free(E->seg_b.a); mem_free(E->seg_c0.a); mem_free(E->c_src.a); mem_free(E->c_w.a);
    memset(&E->seg_a, 0, sizeof E->seg_a); memset(&E->seg_b, 0, sizeof E->seg_b); memset(&E->seg_c0, 0, sizeof E->seg_c0);
    memset(&E->c_src, 0, sizeof E->c_src); memset(&E->c_w, 0, sizeof E->c_w);
    mem_free(E->pieces.a); mem_free(E->split); mem_free(E->node_mark); mem_free(E->node_new); mem_free(E->old_x); mem_free(E->old_y);
    memset(&E->pieces, 0, sizeof E->pieces);
    E->split = E->node_mark = NULL; E->node_new = NULL; E->old_x = E->old_y = NULL;
}

static int run(Engine *E, Output *O) {
    double now = now_ms(), *t = &now, t2;
    CHECK(build_graph(E, t));
    CHECK(build_half_edges(E));
    CHECK(build_faces(E));
    LAP(4);
    CHECK(build_coverage(E));
    CHECK(open_gaps(E));
    free_segments(E);
    LAP(5);
    CHECK(assign_faces(E));
    LAP(6);
    /* units: faces labelled by their group */
    i32 nf = E->n_faces;
    i32 *label = (i32 *)xmalloc((size_t)nf, sizeof(i32));
    if (!label) return FAIL_OOM;
    for (i32 f = 0; f < nf; f++) label[f] = E->face_kind[f] == K_OUTSIDE ? -1 : E->face_group[f];
    int err = trace_units(E, label, &O->units);
    /* repaired pieces: one per gap face, one per overlap region */
    VecI32 gs = {0}, cand = {0}, hes = {0};
    VecF64 len = {0};
    for (i32 f = 0; f < nf; f++) label[f] = -1;
    for (i32 f = 0; f < nf && !err; f++) {
        int k = E->face_kind[f];
        if (k != K_GAP && !(k == K_OVERLAP && E->face_region[f] == f)) continue;
        label[f] = (i32)O->rep_face.n;
        err = VecI32_push(&O->rep_face, f) || VecI32_push(&O->rep_other_off, (i32)O->rep_other.n) ||
              VecF64_push(&O->rep_width, k == K_GAP ? gap_width(E, f, &hes) : NAN);
        if (err) break;
        /* the other groups: those covering an overlap, or bordering a gap (longest border first) */
        int ng = 0;
        if (k == K_OVERLAP) {
            if (face_groups(E, f, &cand) == (size_t)-1) { err = FAIL_OOM; break; }
            for (size_t j = 0; j < cand.n && !err; j++)
                if (cand.a[j] != E->face_group[f]) err = VecI32_push(&O->rep_other, cand.a[j]);
        } else {
            if (best_border(E, &f, 1, NULL, -1, E->face_group, NULL, &gs, &len, &ng, &hes) == -2) { err = FAIL_OOM; break; }
            for (size_t j = 1; j < gs.n; j++) { /* by border length, descending */
                i32 g = gs.a[j]; double l = len.a[j]; size_t m = j;
                while (m > 0 && len.a[m - 1] < l) { gs.a[m] = gs.a[m - 1]; len.a[m] = len.a[m - 1]; m--; }
                gs.a[m] = g; len.a[m] = l;
            }
            for (size_t j = 0; j < gs.n && !err; j++)
                if (gs.a[j] != E->face_group[f]) err = VecI32_push(&O->rep_other, gs.a[j]);
        }
    }
    for (i32 f = 0; f < nf && !err; f++)
        if (E->face_kind[f] == K_OVERLAP && E->face_region[f] != f) label[f] = label[E->face_region[f]];
    if (!err) err = VecI32_push(&O->rep_other_off, (i32)O->rep_other.n);
    if (!err) err = trace_regions(E, label, (i32)O->rep_face.n, &O->pieces, NULL, NULL);
    /* multiplicity: faces covered by k + 2 polygons, labelled k (what the polygons count k + 1 times too many) */
    i32 most = 0;
    for (i32 f = 0; f < nf; f++) {
        label[f] = E->face_mult[f] >= 2 ? E->face_mult[f] - 2 : -1;
        if (label[f] + 1 > most) most = label[f] + 1;
    }
    if (!err) err = trace_regions(E, label, most, &O->excess, NULL, NULL);
    /* the gaps left outside (step 6), for checks */
    for (i32 f = 0; f < nf; f++) label[f] = (f > 0 && E->face_open[f]) ? 0 : -1;
    if (!err && E->n_open) err = trace_regions(E, label, 1, &O->open, NULL, NULL);
    else if (!err) err = VecI64_push(&O->open.geom_off, 0) || VecI64_push(&O->open.geom_off, 0) ||
                         VecI64_push(&O->open.poly_off, 0) || VecI64_push(&O->open.ring_off, 0);
    mem_free(label); mem_free(gs.a); mem_free(cand.a); mem_free(len.a); mem_free(hes.a);
    LAP(7);
    return err;
}

static PyObject *LimitError; /* FAIL_LIMIT: the input is too large for 32-bit node and index ids */

static PyObject *as_bytes(const void *data, size_t n, size_t size) {
    return PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)(n * size));
}

static int put(PyObject *d, const char *key, PyObject *value) {
    if (!value) return -1;
    int r = PyDict_SetItemString(d, key, value);
    Py_DECREF(value);
    return r;
}

static int put_rings(PyObject *d, const char *prefix, const Rings *R) {
    char key[64];
    snprintf(key, sizeof key, "%s_xy", prefix);
    if (put(d, key, as_bytes(R->xy.a, R->xy.n, sizeof(double)))) return -1;
    snprintf(key, sizeof key, "%s_ring_offsets", prefix);
    if (put(d, key, as_bytes(R->ring_off.a, R->ring_off.n, sizeof(i64)))) return -1;
    snprintf(key, sizeof key, "%s_polygon_offsets", prefix);
    if (put(d, key, as_bytes(R->poly_off.a, R->poly_off.n, sizeof(i64)))) return -1;
    snprintf(key, sizeof key, "%s_geometry_offsets", prefix);
    return put(d, key, as_bytes(R->geom_off.a, R->geom_off.n, sizeof(i64)));
}

static int get_buffer(PyObject *obj, Py_buffer *view, size_t itemsize, Py_ssize_t count, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if ((size_t)view->len != itemsize * (size_t)count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zu bytes", what, count, itemsize);
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    return 0;
}

/* The rings of a call, as both entries take them: xy (float64 pairs), ring_offsets (int64,
 * n_rings + 1), ring_source (int64 per ring), ring_hole (uint8 per ring). */
typedef struct { Py_buffer xy, off, src, hole; } RingViews;

/* Read the rings into E (xy, ring_off, ring_src, ring_hole, n_rings) with their views in V;
 * 0, or -1 with the exception set (what was taken stays in V for release_rings). */
static int read_rings(PyObject *oxy, PyObject *ooff, PyObject *osrc, PyObject *ohole, RingViews *V, Engine *E) {
    if (PyObject_GetBuffer(ooff, &V->off, PyBUF_C_CONTIGUOUS) < 0) { V->off.obj = NULL; return -1; }
    if (V->off.len % 8 || V->off.len < 8) { PyErr_SetString(PyExc_ValueError, "ring_offsets: int64, n_rings + 1 items"); return -1; }
    Py_ssize_t n_rings = V->off.len / 8 - 1;
    const i64 *off = (const i64 *)V->off.buf;
    if (get_buffer(oxy, &V->xy, 16, (Py_ssize_t)off[n_rings], "xy") < 0) return -1;
    if (get_buffer(osrc, &V->src, 8, n_rings, "ring_source") < 0) return -1;
    if (get_buffer(ohole, &V->hole, 1, n_rings, "ring_hole") < 0) return -1;
    E->xy = (const double *)V->xy.buf; E->ring_off = off; E->ring_src = (const i64 *)V->src.buf;
    E->ring_hole = (const uint8_t *)V->hole.buf; E->n_rings = n_rings;
    return 0;
}

/* Every ring names a source in [0, E->n_src) and its offsets do not decrease; else -1, ValueError. */
static int rings_in_range(const Engine *E) {
    for (Py_ssize_t r = 0; r < E->n_rings; r++)
        if (E->ring_src[r] < 0 || E->ring_src[r] >= E->n_src || E->ring_off[r + 1] < E->ring_off[r]) {
            PyErr_SetString(PyExc_ValueError, "ring_source or ring_offsets out of range"); return -1;
        }
    return 0;
}

/* A grid unit is a positive power of two; else -1, ValueError. */
static int unit_ok(double unit) {
    if (unit > 0 && frexp(unit, &(int){0}) == 0.5) return 0;
    PyErr_SetString(PyExc_ValueError, "unit: a power of two");
    return -1;
}

static void release_rings(RingViews *V) {
    Py_buffer *views[] = {&V->xy, &V->off, &V->src, &V->hole};
    for (size_t i = 0; i < 4; i++) if (views[i]->obj) PyBuffer_Release(views[i]);
}

PyDoc_STRVAR(dissolve_doc,
"dissolve(xy, ring_offsets, ring_source, ring_hole, source_group, n_groups, unit, geographic)\n"
"--\n\n"
"Dissolve source polygons into one clean polygon per group.\n\n"
"xy: float64 (x, y) pairs of every ring, each ring closed; ring_offsets: int64,\n"
"n_rings + 1 offsets into the pairs; ring_source: int64 source of each ring;\n"
"ring_hole: uint8, 1 for holes; source_group: int64 group of each source, in\n"
"[0, n_groups); unit: the grid unit (a power of two, in CRS units);\n"
"geographic: 1 when x, y are degrees (border lengths then shrink east-west).\n\n"
"Returns a dict of bytes: units_*, pieces_*, excess_* and open_*, ragged\n"
"multipolygon arrays (one per group; per repaired piece: each gap face and\n"
"each overlap region of several groups; per k: the faces covered by k + 2\n"
"polygons; one: the uncovered faces left outside, open through a channel\n"
"snap rounding closed);\n"
"piece_kind (2 gap, 3 overlap), piece_group (receiving), piece_rule\n"
"(1 enclosed, 2 longest border, 3 first candidate, 4 whole unit),\n"
"piece_width (float64: a gap's mean width, 2 area / perimeter in layer units,\n"
"east-west shrunk by the cosine of the latitude on a geographic layer; NaN\n"
"for an overlap),\n"
"piece_other_offsets and\n"
"piece_other (the other groups): int32; source_flag: uint8 (1: rings that\n"
"cross); group_flag: uint8 (1: a polygon of the group winds negatively);\n"
"and 'stats', a dict of counts and step times (open_gaps: uncovered faces\n"
"left outside, reached through a channel snap rounding closed; pinch_faces:\n"
"slivers given to a neighbour so that GEOS reads the coverage right).\n\n"
"Raises MemoryError, or LimitError past 2^29 nodes.");

static PyObject *py_dissolve(PyObject *self, PyObject *args) {
    PyObject *oxy, *ooff, *osrc, *ohole, *ogroup;
    long long n_groups;
    double unit;
    int geographic;
    if (!PyArg_ParseTuple(args, "OOOOOLdp", &oxy, &ooff, &osrc, &ohole, &ogroup, &n_groups, &unit, &geographic)) return NULL;
    RingViews V = {0};
    Py_buffer bgroup = {0};
    PyObject *result = NULL;
    Engine E;
    Output O;
    memset(&E, 0, sizeof E);
    memset(&O, 0, sizeof O);
    if (read_rings(oxy, ooff, osrc, ohole, &V, &E) < 0) goto done;
    if (PyObject_GetBuffer(ogroup, &bgroup, PyBUF_C_CONTIGUOUS) < 0) { bgroup.obj = NULL; goto done; }
    if (bgroup.len % 8) { PyErr_SetString(PyExc_ValueError, "source_group: int64"); goto done; }
    if (unit_ok(unit) < 0) goto done;
    E.src_group = (const i64 *)bgroup.buf;
    E.n_src = bgroup.len / 8; E.n_groups = n_groups; E.unit = unit; E.geographic = geographic;
    if (rings_in_range(&E) < 0) goto done;
    for (i64 s = 0; s < E.n_src; s++)
        if (E.src_group[s] < 0 || E.src_group[s] >= n_groups) { PyErr_SetString(PyExc_ValueError, "source_group out of range"); goto done; }
    mem_live = mem_peak = 0;
    E.src_flag = (uint8_t *)xcalloc((size_t)E.n_src, 1);
    E.grp_flag = (uint8_t *)xcalloc((size_t)n_groups, 1);
    if (!E.src_flag || !E.grp_flag) { PyErr_NoMemory(); goto done; }
    int err;
    Py_BEGIN_ALLOW_THREADS
    err = run(&E, &O);
    Py_END_ALLOW_THREADS
    if (err == FAIL_OOM) { PyErr_NoMemory(); goto done; }
    if (err) { PyErr_SetString(LimitError, "more nodes or cell entries than 32-bit indices hold"); goto done; }
    result = PyDict_New();
    if (!result) goto done;
    size_t np = O.rep_face.n;
    i32 *kind = (i32 *)xmalloc(np, sizeof(i32)), *group = (i32 *)xmalloc(np, sizeof(i32));
    i32 *rule = (i32 *)xmalloc(np, sizeof(i32));
    if (!kind || !group || !rule) { mem_free(kind); mem_free(group); mem_free(rule); PyErr_NoMemory(); Py_CLEAR(result); goto done; }
    for (size_t i = 0; i < np; i++) {
        i32 f = O.rep_face.a[i];
        kind[i] = E.face_kind[f]; group[i] = E.face_group[f]; rule[i] = E.face_rule[f];
    }
    int bad = put_rings(result, "units", &O.units) || put_rings(result, "pieces", &O.pieces) ||
              put_rings(result, "excess", &O.excess) || put_rings(result, "open", &O.open) ||
              put(result, "piece_kind", as_bytes(kind, np, 4)) || put(result, "piece_group", as_bytes(group, np, 4)) ||
              put(result, "piece_rule", as_bytes(rule, np, 4)) || put(result, "piece_width", as_bytes(O.rep_width.a, O.rep_width.n, 8)) ||
              put(result, "piece_other_offsets", as_bytes(O.rep_other_off.a, O.rep_other_off.n, 4)) ||
              put(result, "piece_other", as_bytes(O.rep_other.a, O.rep_other.n, 4)) ||
              put(result, "source_flag", as_bytes(E.src_flag, (size_t)E.n_src, 1)) ||
              put(result, "group_flag", as_bytes(E.grp_flag, (size_t)n_groups, 1));
    mem_free(kind); mem_free(group); mem_free(rule);
    if (!bad) {
        PyObject *ms = Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d}", "segments", E.ms[0], "grid", E.ms[1],
            "crossings", E.ms[2], "snapping", E.ms[3], "faces", E.ms[4], "coverage", E.ms[5], "assignment", E.ms[6], "rings", E.ms[7]);
        PyObject *stats = Py_BuildValue("{s:n,s:n,s:n,s:n,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:L,s:i,s:N}",
            "nodes", (Py_ssize_t)E.N.x.n, "segments", (Py_ssize_t)E.n_segments, "edges", (Py_ssize_t)E.e_u.n,
            "faces", (Py_ssize_t)E.n_faces, "crossings", (long long)E.n_crossings, "snaps", (long long)E.n_hits,
            "rounds", (long long)E.n_rounds, "winding_mismatches", (long long)E.n_winding_mismatch,
            "bad_components", (long long)E.n_bad_components, "bad_rings", (long long)E.n_bad_rings,
            "open_gaps", (long long)E.n_open, "pixels", (long long)E.n_pixels, "pixels_skipped", (long long)E.n_pixels_skipped,
            "pinch_faces", (long long)E.n_pinch_moved, "peak_bytes", (long long)mem_peak,
            "cell_shift", E.G.shift, "ms", ms);
        bad = put(result, "stats", stats);
    }
    if (bad) Py_CLEAR(result);
done:
    engine_free(&E);
    rings_free(&O.units); rings_free(&O.pieces); rings_free(&O.excess); rings_free(&O.open);
    mem_free(O.rep_face.a); mem_free(O.rep_other_off.a); mem_free(O.rep_other.a); mem_free(O.rep_width.a);
    release_rings(&V);
    if (bgroup.obj) PyBuffer_Release(&bgroup);
    return result;
}

/* ------------------------------------------------------------------ overlay of two layers */

/* The overlay of two polygon layers A and B (see the header): every source
 * is its own group (A's polygons first, then B's), so that the coverage of
 * each face (step 5) lists the A and B polygons over it.  A face belongs to
 * the pieces (a, b) of the polygons covering it: of each A polygon covering
 * it (flag OVERLAY_EACH_A; else only the lowest), with each B polygon
 * (OVERLAY_EACH_B; else the lowest), -1 standing for a layer that does not
 * cover it; faces covered by neither are left out.  The faces of a pair are
 * traced into one multipolygon (step 8) and their exact areas (integer
 * shoelace on the grid) summed.
 *
 * Where polygons of one layer overlap and each keeps its pieces, a face
 * belongs to several pieces, and one tracing labels a face once: the
 * polygons of that layer are coloured so that two sharing a face differ
 * (greedily, by index), and each combination of colours is traced apart.
 * Faces covered by several polygons of one layer are counted, with their
 * area, per layer.  With OVERLAY_AREAS, no rings are traced. */

enum { OVERLAY_EACH_A = 1, OVERLAY_EACH_B = 2, OVERLAY_AREAS = 4 };

VEC(u64, VecU64)

typedef struct { u64 key; i32 face; } PairFace;

static int cmp_pair_face(const void *a, const void *b) {
    const PairFace *x = (const PairFace *)a, *y = (const PairFace *)b;
    if (x->key != y->key) return (x->key > y->key) - (x->key < y->key);
    return (x->face > y->face) - (x->face < y->face);
}

static int cmp_u64(const void *a, const void *b) {
    u64 x = *(const u64 *)a, y = *(const u64 *)b;
    return (x > y) - (x < y);
}

typedef struct {
    Rings rings;            /* one multipolygon per pair, in the order of (a, b) */
    VecI32 a, b;            /* the pair of each piece (-1: no polygon of that layer) */
    VecF64 area;            /* planar area of each piece, in squared layer units */
    i64 overlap_faces[2];   /* faces covered by several polygons of A, of B */
    double overlap_area[2]; /* and their area */
    i32 passes;             /* tracings */
} OverlayOut;

/* the area of face f (its outer cycle less its inner ones), in squared layer units */
static int face_area(const Engine *E, i32 f, VecI32 *hes, double *out) {
    CHECK(face_half_edges(E, f, hes));
    const Nodes *N = &E->N;
    i128 area2 = 0;
    if (hes->n) {
        i32 o = he_origin(E, hes->a[0]);
        i64 bx = N->x.a[o], by = N->y.a[o];
        for (size_t k = 0; k < hes->n; k++) {
            i32 p = he_origin(E, hes->a[k]), q = he_dest(E, hes->a[k]);
            area2 += (i128)(N->x.a[p] - bx) * (N->y.a[q] - by) - (i128)(N->x.a[q] - bx) * (N->y.a[p] - by);
        }
    }
    *out = 0.5 * (double)area2 * E->unit * E->unit;
    return 0;
}

/* The polygons of face f's coverage in [lo, hi), as indices from lo: all, or the lowest. */
static int face_layer(const Engine *E, i32 f, i64 lo, i64 hi, int each, VecI32 *out) {
    out->n = 0;
    const i32 *g = cov_g(E, f);
    for (i32 k = 0; k < cov_n(E, f); k++) /* sorted by group */
        if (g[k] >= lo && g[k] < hi) {
            CHECK(VecI32_push(out, (i32)(g[k] - lo)));
            if (!each) break;
        }
    return 0;
}

/* Colours of n polygons such that two covering one face differ (greedy, by index), from the
 * pairs (p, q) of polygons sharing a face (`conflicts`, p << 32 | q, both ways); their number. */
static int colour(VecU64 *conflicts, size_t n, i32 *col, i32 *ncol) {
    if (conflicts->n) qsort(conflicts->a, conflicts->n, sizeof(u64), cmp_u64);
    *ncol = 1;
    for (size_t p = 0; p < n; p++) col[p] = 0;
    size_t k = 0;
    uint8_t used[64];
    for (size_t p = 0; p < n; p++) {
        memset(used, 0, sizeof used);
        while (k < conflicts->n && (conflicts->a[k] >> 32) == p) {
            u64 q = conflicts->a[k] & 0xffffffffu;
            if (q < p && col[q] < 64) used[col[q]] = 1;
            k++;
        }
        i32 c = 0;
        while (c < 64 && used[c]) c++;
        if (c == 64) return FAIL_LIMIT;  /* 64 polygons of one layer over one place */
        col[p] = c;
        if (c + 1 > *ncol) *ncol = c + 1;
    }
    return 0;
}

/* the pairs (p, q) and (q, p) of the polygons in `list`, into conflicts */
static int add_conflicts(const VecI32 *list, VecU64 *conflicts) {
    for (size_t i = 0; i < list->n; i++)
        for (size_t j = 0; j < list->n; j++)
            if (i != j) CHECK(VecU64_push(conflicts, ((u64)(uint32_t)list->a[i] << 32) | (u64)(uint32_t)list->a[j]));
    return 0;
}

/* Append the polygons of `label` traced in S to R (the rings of one label, one geometry). */
static int append_label(Rings *R, const Rings *S, i32 label) {
    CHECK(VecI64_push(&R->geom_off, (i64)R->poly_off.n));
    for (i64 p = S->geom_off.a[label]; p < S->geom_off.a[label + 1]; p++) {
        CHECK(VecI64_push(&R->poly_off, (i64)R->ring_off.n));
        for (i64 r = S->poly_off.a[p]; r < S->poly_off.a[p + 1]; r++) {
            CHECK(VecI64_push(&R->ring_off, (i64)R->xy.n / 2));
            for (i64 k = S->ring_off.a[r]; k < S->ring_off.a[r + 1]; k++)
                CHECK(VecF64_push(&R->xy, S->xy.a[2 * k]) || VecF64_push(&R->xy, S->xy.a[2 * k + 1]));
        }
    }
    return 0;
}

/* The pieces' rings: one tracing per combination of colours (see above). */
static int trace_pairs(Engine *E, const PairFace *pf, size_t np, const i32 *pair_of, const i32 *col_a, i32 ncol_a,
                       const i32 *col_b, i32 ncol_b, OverlayOut *O) {
    i32 nf = E->n_faces, npairs = (i32)O->a.n, passes = ncol_a * ncol_b;
    i32 *label = (i32 *)xmalloc((size_t)nf, sizeof(i32));
    i32 *pass_of = (i32 *)xmalloc((size_t)npairs, sizeof(i32));
    if (!label || !pass_of) { mem_free(label); mem_free(pass_of); return FAIL_OOM; }
    for (i32 p = 0; p < npairs; p++)
        pass_of[p] = (O->a.a[p] >= 0 ? col_a[O->a.a[p]] : 0) * ncol_b + (O->b.a[p] >= 0 ? col_b[O->b.a[p]] : 0);
    int err = 0;
    if (passes == 1) {
        for (i32 f = 0; f < nf; f++) label[f] = -1;
        for (size_t i = 0; i < np; i++) label[pf[i].face] = pair_of[i];
        err = trace_regions(E, label, npairs, &O->rings, NULL, NULL);
        O->passes = 1;
    } else {
        Rings *S = (Rings *)xcalloc((size_t)passes, sizeof(Rings));
        if (!S) err = FAIL_OOM;
        for (i32 c = 0; c < passes && !err; c++) {
            int any = 0;
            for (i32 f = 0; f < nf; f++) label[f] = -1;
            for (size_t i = 0; i < np; i++)
                if (pass_of[pair_of[i]] == c) { label[pf[i].face] = pair_of[i]; any = 1; }
            if (any) { err = trace_regions(E, label, npairs, &S[c], NULL, NULL); O->passes++; }
        }
        for (i32 p = 0; p < npairs && !err; p++) err = append_label(&O->rings, &S[pass_of[p]], p);
        if (!err) err = VecI64_push(&O->rings.geom_off, (i64)O->rings.poly_off.n) ||
                        VecI64_push(&O->rings.poly_off, (i64)O->rings.ring_off.n) ||
                        VecI64_push(&O->rings.ring_off, (i64)O->rings.xy.n / 2);
        for (i32 c = 0; S && c < passes; c++) rings_free(&S[c]);
        mem_free(S);
    }
    mem_free(label); mem_free(pass_of);
    return err;
}

/* Steps 1-5 as in run (no gaps, no assignment), then the pieces of the pairs. */
static int run_overlay(Engine *E, i64 n_a, int flags, OverlayOut *O) {
    double now = now_ms(), *t = &now, t2;
    CHECK(build_graph(E, t));
    free_segments(E);
    CHECK(build_half_edges(E));
    CHECK(build_faces(E));
    LAP(4);
    CHECK(build_coverage(E));
    LAP(5);
    /* the pairs of every face */
    i32 nf = E->n_faces;
    i64 n_b = E->n_src - n_a;
    VecI32 la = {0}, lb = {0}, all_a = {0}, all_b = {0}, hes = {0};
    VecU64 conf_a = {0}, conf_b = {0};
    struct { PairFace *a; size_t n, cap; } pf = {0};
    double *farea = (double *)xmalloc((size_t)nf, sizeof(double));
    if (!farea) return FAIL_OOM;
    int err = 0;
    for (i32 f = 1; f < nf && !err; f++) {
        farea[f] = 0;
        if ((err = face_layer(E, f, 0, n_a, flags & OVERLAY_EACH_A, &la)) ||
            (err = face_layer(E, f, n_a, n_a + n_b, flags & OVERLAY_EACH_B, &lb))) break;
        if (!la.n && !lb.n) continue;
        if ((err = face_area(E, f, &hes, &farea[f]))) break;
        if ((err = face_layer(E, f, 0, n_a, 1, &all_a)) || (err = face_layer(E, f, n_a, n_a + n_b, 1, &all_b))) break;
        if (all_a.n > 1) { O->overlap_faces[0]++; O->overlap_area[0] += farea[f]; }
        if (all_b.n > 1) { O->overlap_faces[1]++; O->overlap_area[1] += farea[f]; }
        if (!(flags & OVERLAY_AREAS)) {
            if (la.n > 1 && (err = add_conflicts(&la, &conf_a))) break;
            if (lb.n > 1 && (err = add_conflicts(&lb, &conf_b))) break;
        }
        for (size_t i = 0; i < (la.n ? la.n : 1) && !err; i++)
            for (size_t j = 0; j < (lb.n ? lb.n : 1) && !err; j++) {
                i32 a = la.n ? la.a[i] : -1, b = lb.n ? lb.a[j] : -1;
                if (pf.n == pf.cap) {
                    size_t cap = pf.cap ? 2 * pf.cap : 1024;
                    PairFace *q = (PairFace *)mem_realloc(pf.a, pf.n * sizeof(PairFace), cap * sizeof(PairFace));
                    if (!q) { err = FAIL_OOM; break; }
                    pf.a = q; pf.cap = cap;
                }
                PairFace p = {((u64)(uint32_t)(a + 1) << 32) | (u64)(uint32_t)(b + 1), f};
                pf.a[pf.n++] = p;
            }
    }
    mem_free(la.a); mem_free(lb.a); mem_free(all_a.a); mem_free(all_b.a); mem_free(hes.a);
    if (!err && pf.n) qsort(pf.a, pf.n, sizeof(PairFace), cmp_pair_face);
    i32 *pair_of = err ? NULL : (i32 *)xmalloc(pf.n, sizeof(i32));
    if (!err && !pair_of) err = FAIL_OOM;
    for (size_t i = 0; i < pf.n && !err; i++) {
        if (i == 0 || pf.a[i].key != pf.a[i - 1].key)
            err = VecI32_push(&O->a, (i32)(pf.a[i].key >> 32) - 1) || VecI32_push(&O->b, (i32)(pf.a[i].key & 0xffffffffu) - 1) ||
                  VecF64_push(&O->area, 0.0);
        if (err) break;
        pair_of[i] = (i32)O->a.n - 1;
        O->area.a[O->area.n - 1] += farea[pf.a[i].face];
    }
    mem_free(farea);
    LAP(6);
    if (!err && !(flags & OVERLAY_AREAS)) {
        i32 *col_a = (i32 *)xmalloc((size_t)n_a, sizeof(i32)), *col_b = (i32 *)xmalloc((size_t)n_b, sizeof(i32));
        i32 ncol_a = 1, ncol_b = 1;
        err = (!col_a || !col_b) ? FAIL_OOM : 0;
        if (!err) err = colour(&conf_a, (size_t)n_a, col_a, &ncol_a);
        if (!err) err = colour(&conf_b, (size_t)n_b, col_b, &ncol_b);
        mem_free(conf_a.a); mem_free(conf_b.a);
        conf_a.a = conf_b.a = NULL;
        if (!err) err = trace_pairs(E, pf.a, pf.n, pair_of, col_a, ncol_a, col_b, ncol_b, O);
        mem_free(col_a); mem_free(col_b);
    }
    mem_free(conf_a.a); mem_free(conf_b.a); mem_free(pf.a); mem_free(pair_of);
    LAP(7);
    return err;
}

PyDoc_STRVAR(overlay_doc,
"overlay(xy, ring_offsets, ring_source, ring_hole, n_a, n_b, unit, flags)\n"
"--\n\n"
"Overlay two polygon layers: the pieces where polygons of A and B meet.\n\n"
"Sources 0 .. n_a - 1 are the polygons of layer A, n_a .. n_a + n_b - 1 those\n"
"of layer B; xy, ring_offsets, ring_source, ring_hole as for dissolve; unit:\n"
"the grid unit.  All rings are arranged at once (the same snap rounding as\n"
"dissolve's) and each face belongs to the pair (a, b) of the lowest A and\n"
"the lowest B polygon covering it (-1 for none); flags: 1, to the pairs of\n"
"each A polygon covering it instead; 2, of each B polygon; 4, areas only\n"
"(no pieces_*).\n\n"
"Returns a dict: pieces_*, ragged multipolygon arrays, one per pair (a, b)\n"
"covering some area, sorted by (a, b), faces of neither layer left out;\n"
"piece_a, piece_b: int32 (A and B polygon, within each layer, -1 for none);\n"
"piece_area: float64, planar area in squared layer units; and 'stats' (as\n"
"dissolve's, and overlap_faces_a / overlap_area_a, the same for b: faces\n"
"covered by several polygons of one layer, and their area).\n\n"
"Raises MemoryError, or LimitError past 2^29 nodes.");

static PyObject *py_overlay(PyObject *self, PyObject *args) {
    PyObject *oxy, *ooff, *osrc, *ohole;
    long long n_a, n_b;
    double unit;
    int flags;
    if (!PyArg_ParseTuple(args, "OOOOLLdi", &oxy, &ooff, &osrc, &ohole, &n_a, &n_b, &unit, &flags)) return NULL;
    RingViews V = {0};
    PyObject *result = NULL;
    i64 *group = NULL;
    Engine E;
    OverlayOut O;
    memset(&E, 0, sizeof E);
    memset(&O, 0, sizeof O);
    if (n_a < 0 || n_b < 0 || n_a + n_b >= ((i64)1 << 31)) { PyErr_SetString(PyExc_ValueError, "n_a, n_b: 0 or more, below 2^31 in all"); return NULL; }
    if (read_rings(oxy, ooff, osrc, ohole, &V, &E) < 0 || unit_ok(unit) < 0) goto done;
    i64 n_src = n_a + n_b;
    group = (i64 *)xmalloc((size_t)n_src, sizeof(i64));
    if (!group) { PyErr_NoMemory(); goto done; }
    for (i64 s = 0; s < n_src; s++) group[s] = s;
    E.src_group = group;
    E.n_src = n_src; E.n_groups = n_src; E.unit = unit; E.geographic = 0;
    if (rings_in_range(&E) < 0) goto done;
    mem_live = mem_peak = 0;
    E.src_flag = (uint8_t *)xcalloc((size_t)n_src, 1);
    E.grp_flag = (uint8_t *)xcalloc((size_t)n_src, 1);
    if (!E.src_flag || !E.grp_flag) { PyErr_NoMemory(); goto done; }
    int err;
    Py_BEGIN_ALLOW_THREADS
    err = run_overlay(&E, n_a, flags, &O);
    Py_END_ALLOW_THREADS
    if (err == FAIL_OOM) { PyErr_NoMemory(); goto done; }
    if (err) { PyErr_SetString(LimitError, "more nodes or cell entries than 32-bit indices hold, or 64 polygons of one layer over one place"); goto done; }
    result = PyDict_New();
    if (!result) goto done;
    int bad = (!(flags & OVERLAY_AREAS) && put_rings(result, "pieces", &O.rings)) ||
              put(result, "piece_a", as_bytes(O.a.a, O.a.n, 4)) || put(result, "piece_b", as_bytes(O.b.a, O.b.n, 4)) ||
              put(result, "piece_area", as_bytes(O.area.a, O.area.n, 8)) ||
              put(result, "source_flag", as_bytes(E.src_flag, (size_t)n_src, 1));
    if (!bad) {
        PyObject *ms = Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d}", "segments", E.ms[0], "grid", E.ms[1],
            "crossings", E.ms[2], "snapping", E.ms[3], "faces", E.ms[4], "coverage", E.ms[5], "pairs", E.ms[6], "rings", E.ms[7]);
        PyObject *stats = Py_BuildValue("{s:n,s:n,s:n,s:n,s:L,s:L,s:L,s:L,s:L,s:L,s:d,s:L,s:d,s:i,s:L,s:N}",
            "nodes", (Py_ssize_t)E.N.x.n, "segments", (Py_ssize_t)E.n_segments, "edges", (Py_ssize_t)E.e_u.n,
            "faces", (Py_ssize_t)E.n_faces, "crossings", (long long)E.n_crossings, "snaps", (long long)E.n_hits,
            "winding_mismatches", (long long)E.n_winding_mismatch, "bad_components", (long long)E.n_bad_components,
            "bad_rings", (long long)E.n_bad_rings,
            "overlap_faces_a", (long long)O.overlap_faces[0], "overlap_area_a", O.overlap_area[0],
            "overlap_faces_b", (long long)O.overlap_faces[1], "overlap_area_b", O.overlap_area[1],
            "passes", (int)O.passes, "peak_bytes", (long long)mem_peak, "ms", ms);
        bad = put(result, "stats", stats);
    }
    if (bad) Py_CLEAR(result);
done:
    engine_free(&E);
    mem_free(group);
    rings_free(&O.rings); mem_free(O.a.a); mem_free(O.b.a); mem_free(O.area.a);
    release_rings(&V);
    return result;
}

static PyMethodDef methods[] = {
    {"dissolve", py_dissolve, METH_VARARGS, dissolve_doc},
    {"overlay", py_overlay, METH_VARARGS, overlay_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_arrange",
    "The planar arrangement behind geoplan's clean dissolve (snap rounding, faces, coverage, rings).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__arrange(void) {
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    LimitError = PyErr_NewExceptionWithDoc("geoplan.engine._arrange.LimitError",
        "The input needs more nodes or index entries than the arrangement's 32-bit indices hold.", PyExc_RuntimeError, NULL);
    if (!LimitError || PyModule_AddObjectRef(m, "LimitError", LimitError) < 0) { Py_XDECREF(LimitError); Py_DECREF(m); return NULL; }
    return m;
}
