; A closure-heavy workload on the refheap VM: accumulators, composition, higher-order map and
; local recursive helpers. Every call makes a frame in the heap; a local function that refers to
; itself makes a frame <-> closure cycle that only the collector frees.
; N is defined by the host before this program runs.
(define (make-acc)
  (define total 0)
  (lambda (x) (set! total (+ total x)) total))
(define (compose f g) (lambda (x) (f (g x))))
(define (map f l)
  (define out [])
  (for-each (v l) (append! out (f v)))
  out)
(define (sum-to n)
  (define (go i acc) (if (> i n) acc (go (+ i 1) (+ acc i)))) ; a cycle: go lives in its own frame
  (go 0 0))

(define checksum 0)
(define acc (make-acc))
(define double-inc (compose (lambda (x) (+ x 1)) (lambda (x) (* x 2))))
(define small (range 10))
(for (i 0 N)
  (define a (make-acc))
  (a i) (a 1)
  (define f (compose a double-inc))
  (define l (map f small))
  (acc (nth l 9))
  (set! checksum (+ checksum (sum-to 10))))
(print "accumulated:" (acc 0) "checksum:" checksum)
