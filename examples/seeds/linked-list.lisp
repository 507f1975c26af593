; Jim Baker, "Write More Robust Code with Weak References": a doubly-linked list whose links also
; have __del__. With strong prev pointers every pair of neighbours is a cycle: nothing is freed
; until the collector runs (and under Python 2's rules, a cycle holding __del__ is never freed:
; it lands in gc.garbage; run with --finalizer-mode legacy to see that). OrderedDict's fix (bpo-9825):
; the prev pointer is a weak proxy, so refcounting frees the list the moment it is dropped.
(class Link (name prev next)
  (define (__init__ self name) (set! self.name name))
  (define (__del__ self) (print (str "  __del__ " self.name))))

(define (make-list names weak-prev)
  (define head None)
  (define tail None)
  (for-each (n names)
    (define link (Link n))
    (if (is head None)
        (set! head link)
        (begin
          (set! tail.next link)
          (set! link.prev (if weak-prev (proxy tail) tail))))
    (set! tail link))
  head)

(define (walk-back head)
  (define cur head)
  (while (not (is cur.next None)) (set! cur cur.next))
  (define out [])
  (while (not (is cur None))
    (append! out cur.name)
    (set! cur cur.prev))
  out)

(print "strong prev pointers:")
(define l (make-list ["a" "b" "c"] False))
(print "  backwards:" (walk-back l))
(print "  del l")
(del l)
(print "  gc.collect() ->" (gc-collect))
(print "  gc.garbage:" (len (gc-garbage)))

(print "prev pointers as weak proxies:")
(define l (make-list ["a" "b" "c"] True))
(print "  backwards:" (walk-back l))
(print "  del l")
(del l)
(print "  gc.collect() ->" (gc-collect))

; WeakSet: an object nobody else holds does not stay in the set
(class X ())
(define s (WeakSet))
(add! s (X))
(print "WeakSet after s.add(X()):" (keys s))
