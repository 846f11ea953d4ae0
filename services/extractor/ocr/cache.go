package ocr

import (
	"container/list"
	"sync"
)

// MemoryCache is a Cache in memory that keeps the most recently used entries. A result
// holds a page of text (a few KB), so ten thousand entries cost tens of megabytes.
type MemoryCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used; values are *entry
	items map[string]*list.Element
}

type entry struct {
	key string
	r   Result
}

var _ Cache = (*MemoryCache)(nil)

// NewMemoryCache returns a cache of at most maxEntries results (at least 1).
func NewMemoryCache(maxEntries int) *MemoryCache {
	return &MemoryCache{max: max(maxEntries, 1), order: list.New(), items: map[string]*list.Element{}}
}

// Get returns the result stored under key.
func (c *MemoryCache) Get(key string) (Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return Result{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry).r, true
}

// Put stores r under key, evicting the least recently used entry when full.
func (c *MemoryCache) Put(key string, r Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*entry).r = r
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&entry{key: key, r: r})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*entry).key)
	}
}

// Len is the number of entries held.
func (c *MemoryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
