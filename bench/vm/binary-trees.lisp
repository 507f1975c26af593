; binary-trees (the Computer Language Benchmarks Game), on the refheap VM.
; MAX-DEPTH is defined by the host before this program runs.
(class Node (left right))
(define (make d)
  (if (== d 0) (Node None None) (Node (make (- d 1)) (make (- d 1)))))
(define (check t)
  (if (is t.left None) 1 (+ 1 (check t.left) (check t.right))))

(define min-depth 4)
(define max-depth (if (< (+ min-depth 2) MAX-DEPTH) MAX-DEPTH (+ min-depth 2)))
(define stretch (+ max-depth 1))
(print (str "stretch tree of depth " stretch "\t check: " (check (make stretch))))
(define long-lived (make max-depth))
(for (d min-depth (+ max-depth 1) 2)
  (define iterations (pow 2 (+ (- max-depth d) min-depth)))
  (define sum 0)
  (for (i 0 iterations) (set! sum (+ sum (check (make d)))))
  (print (str iterations "\t trees of depth " d "\t check: " sum)))
(print (str "long lived tree of depth " max-depth "\t check: " (check long-lived)))
