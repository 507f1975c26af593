; Reuven Lerner, "Avoiding memory leaks with weakref": globals keep objects alive, locals don't.
(class Person (name)
  (define (__init__ self name) (set! self.name name))
  (define (__del__ self) (print (str "Ack! I'm dead! (" self.name ")"))))

; wr1/wr2: who refers to p1? The globals (a module object in the heap) do.
(define p1 (Person "name1"))
(print "referrers of p1:" (gc-get-referrers p1))
(del p1)

; wr4: a local list dies when its function returns, and its people with it
(define (create-some-people)
  (define all-people [])
  (for (i 0 3) (append! all-people (Person (str "name" i)))))
(for (i 0 2)
  (print (str "--- " i " ---"))
  (create-some-people))

; wr3: a global list keeps its elements alive until the program ends
(define all-people [])
(print "Before loop")
(for (i 0 3) (append! all-people (Person (str "name" i))))
(print "After loop, now ending the program")
