; Chris Barker, "Python Memory Management and Weak References": what makes a reference?
; Binding to a name, putting it in a container, passing it to a function. getrefcount counts
; the reference its own argument holds, so it shows one more than you would expect.
(define a [])
(print "a = []                 getrefcount(a) =" (getrefcount a))
(define b a)
(print "b = a                  getrefcount(a) =" (getrefcount a))
(define l [1 2 3 a])
(print "l = [1, 2, 3, a]       getrefcount(a) =" (getrefcount a))
(del b)
(print "del b                  getrefcount(a) =" (getrefcount a))
(del l)
(print "del l                  getrefcount(a) =" (getrefcount a))
; function local variables: the argument on the stack and the local x both count during the call
(define (test x) (print "inside test(a): x has a refcount of:" (getrefcount x)))
(test a)
(print "after test(a)          getrefcount(a) =" (getrefcount a))
; small ints are interned (one shared object each, as in CPython): 3 is referenced from the
; intern table and from every place that holds a 3; 1000 is a fresh object
(define three 3)
(define nums [3 3 3])
(print "getrefcount(3) =" (getrefcount 3) "  getrefcount(1000) =" (getrefcount 1000))
