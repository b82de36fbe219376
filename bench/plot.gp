# Bar chart of the median time per full mutual handshake (both sides, one core).
# Called by bench/report.py: gnuplot -e "datafile='...'; outfile='...'" bench/plot.gp
# datafile: one line per bar, "label" <TAB> microseconds.
set terminal svg size 900,480 dynamic enhanced font "sans,12" background rgb "white"
set output outfile
set title "One mutual handshake, both sides in memory (median CPU time, lower is better)"
set ylabel "µs per handshake"
set style fill solid 0.85 border -1
set boxwidth 0.6
set grid ytics lc rgb "#dddddd"
set yrange [0:*]
set xtics rotate by -20 nomirror
set key off
set datafile separator "\t"
plot datafile using 0:2:xtic(1) with boxes lc rgb "#4477aa", \
     ''       using 0:2:(sprintf("%.0f", $2)) with labels offset 0,0.8
