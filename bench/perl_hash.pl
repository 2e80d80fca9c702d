# perl_hash: the perl workload of bench/run.sh (hash and regex heavy).
#
# Generates log-like lines, parses them with regular expressions into hashes of arrays,
# counts words in a large hash, rebuilds and drops the structures in rounds.
#
#   perl bench/perl_hash.pl [SCALE]    SCALE (default 10) multiplies the work; 10 is about 1.5 s
#
# Prints a deterministic checksum.
use strict;
use warnings;

my $scale = @ARGV ? $ARGV[0] : 10;
die "perl_hash: SCALE must be a positive integer\n" unless $scale =~ /^[1-9][0-9]*$/;

my @verbs = qw(GET POST PUT DELETE HEAD);
my @paths = qw(/index /api/users /api/items /static/app.js /login /search /cart);
my $checksum = 0;
my %words;
my $rounds = $scale;
for my $round (1 .. $rounds) {
  my %by_path;
  my @lines;
  for my $i (1 .. 20000) {
    my $n = $round * 20000 + $i;
    push @lines, sprintf("%d.%d.%d.%d - user%d [%02d/Mar/2024:%02d:%02d:%02d] \"%s %s?id=%d HTTP/1.1\" %d %d",
      $n % 256, ($n >> 3) % 256, ($n >> 7) % 256, $i % 256, $n % 1000, $i % 28 + 1, $i % 24,
      $i % 60, ($i * 7) % 60, $verbs[$n % 5], $paths[$n % 7], $n, 200 + ($n % 5) * 100, $n % 5000);
  }
  for my $line (@lines) {
    next unless $line =~ m{^(\S+) - (\w+) \[([^\]]+)\] "(\w+) ([^?" ]+)\?id=(\d+) [^"]*" (\d+) (\d+)$};
    my ($ip, $user, $when, $verb, $path, $id, $status, $bytes) = ($1, $2, $3, $4, $5, $6, $7, $8);
    my $rec = { ip => $ip, user => $user, verb => $verb, status => $status, bytes => $bytes };
    push @{ $by_path{$path}{$verb} }, $rec;
    $words{$_}++ for split /[\/\.:\s]+/, "$path $when $user";
    $checksum += $bytes;
  }
  for my $path (sort keys %by_path) {
    for my $verb (sort keys %{ $by_path{$path} }) {
      my @big = grep { $_->{bytes} > 2500 } @{ $by_path{$path}{$verb} };
      $checksum += scalar @big;
    }
  }
  my $text = join ' ', map { $_->{user} } map { @$_ } map { values %$_ } values %by_path;
  (my $copy = $text) =~ s/user(\d+)/u$1/g;
  $checksum += length $copy;
}
$checksum += scalar keys %words;
print "perl_hash scale=$scale rounds=$rounds checksum=$checksum\n";
