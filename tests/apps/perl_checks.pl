# Run by Debian's perl on Flint and on the host (tests/boot/dynamic_cases.py):
# a regular expression, a hash and sprintf, with no module.
my %fruit = (pear => 3, apple => 5, fig => 1);
my $text = "flint booted in 4242 us";
my ($us) = $text =~ /(\d+) us/;
print join(",", sort keys %fruit), "\n";
print "total ", $fruit{pear} + $fruit{apple} + $fruit{fig}, "\n";
printf("%s %05.1f %x\n", $us * 2, 3.14159, 255);
