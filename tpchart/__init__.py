"""tpchart: charting of myofascial trigger points and dry needling."""
