# gnuplot script written by tools/bench/report.py
set terminal png size 1400,700 font ",10"
set output "results.png"
set title "jmod / kmalloc in the same boot (6.1.0-57-amd64, 2 vCPUs, init_on_alloc=1 init_on_free=0; \
below 1 = jmod better)" noenhanced
set rmargin 10
set bmargin 9
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set datafile missing "-"
set xtics rotate by -45 scale 0 font ",9"
set ylabel "ratio (log scale)"
set logscale y
set yrange [0.1:45.3333]
set grid ytics
set key top left
plot "results.dat" using 2:xtic(1) title "time jmod/kmalloc", \
     "" using 3 title "pages at peak jmod/kmalloc (page allocator)", \
     "" using 4 title "object-level jmod/kmalloc (usable bytes at peak)", \
     1 with lines lw 2 lc rgb "black" notitle
