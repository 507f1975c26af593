; Reuven Lerner, "Avoiding memory leaks with weakref": weakref.ref, proxy and callbacks.
(class Person (name)
  (define (__init__ self name) (set! self.name name))
  (define (__del__ self) (print (str "Ack! I'm dead! (" self.name ")"))))

; wr5: a list of weak references does not keep the people alive
(define all-people [])
(print "Before loop")
(for (i 0 3) (append! all-people (weakref (Person (str "name" i)))))
(print "After loop")

; wr6/wr7: call the ref to get the object; once the object is gone it returns None
(define p1 (Person "name1"))
(define p2 (weakref p1))
(print p1.name)
(print (. (p2) name))
(del p1)
(print "p2() is None:" (is (p2) None))
(try (print (. (p2) name)) (catch e (print e)))

; wr8: a proxy behaves like the object, and raises ReferenceError once it is gone
(define p1 (Person "name1"))
(define p2 (proxy p1))
(print p2.name)
(del p1)
(print (type p2))
(try (print p2) (catch e (print e)))

; wr9: a callback runs when the referent goes away, after __del__
(define (value-gone ref) (print "Boo hoo: weakref" (type ref) "is refless!"))
(define p1 (Person "name1"))
(define p2 (proxy p1 value-gone))
(print (str "Before deleting, p2.name = " p2.name))
(print "Deleting")
(del p1)
(print "Done deleting")
