cd "$1" || exit 9
mkdir fcase && cd fcase || exit 9
mkfifo p; echo "mkfifo $?"
test -p p && echo "p is a fifo"
ls -l p | cut -c1-10
mkfifo p; echo "mkfifo again $?"
echo "through the fifo" > p &
cat p
wait
echo data > f
ln f g; echo "ln $?"
stat -c '%h %s %F' f g
ln f g; echo "ln again $?"
echo more >> g; cat f
rm f; stat -c '%h' g
touch new; echo "touch $?"; test -f new && stat -c '%s' new
touch -c absent; echo "touch -c $?"; test -e absent || echo "absent stays absent"
touch -r g new; echo "touch -r $?"
test "$(stat -c %Y new)" = "$(stat -c %Y g)" && echo "same mtime"
dd if=/dev/zero of=/dev/full bs=1 count=1; echo "dd $?"
head -c 4 /dev/full | od -An -tx1
cd .. && rm -r fcase; echo "rm $?"
