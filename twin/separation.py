"""Nd/Pr solvent-extraction cascade: stage counts, purity and recovery.

Nd is the better-extracted element with acidic organophosphorus extractants (P507/PC88A,
D2EHPA): it leaves with the loaded organic, Pr with the raffinate. The cascade has an
extraction section (feed to raffinate end, fresh organic in) and a scrub section (feed to
extract end, fresh scrub liquor in). With linear equilibria each section is a Kremser cascade
with one loaded inlet, so the two sections couple only through the feed stage: what the scrub
section sends back joins the feed again. Summing that recycle gives the split exactly.

All functions broadcast over NumPy arrays (a leading sample axis) and accept scalars.

References
----------
.. [1] M. R. Fenske, "Fractionation of straight-run Pennsylvania gasoline",
   Ind. Eng. Chem. 24, 482 (1932).
.. [2] A. Kremser, "Theoretical analysis of absorption process", Natl. Petroleum News 22, 43
   (1930); counter-current form as in R. E. Treybal, "Liquid Extraction", 2nd ed. (1963).
.. [3] G. Xu et al., counter-current extraction theory for rare earths (cascades run at about
   twice the Fenske minimum).
"""

import numpy as np

__all__ = [
    "cascade_split",
    "fenske_min_stages",
    "kremser_fraction_unextracted",
    "product_purity",
]


def fenske_min_stages(product_purity, raffinate_purity, separation_factor):
    """Minimum number of ideal stages at total reflux (Fenske).

    Parameters
    ----------
    product_purity : float or array_like
        Mole fraction of the extracted element (Nd) in the extract product [-].
    raffinate_purity : float or array_like
        Mole fraction of the other element (Pr) in the raffinate [-].
    separation_factor : float or array_like
        β(Nd/Pr) = D_Nd / D_Pr [-], greater than 1.

    Returns
    -------
    numpy.ndarray or float
        N_min [stages].

    References
    ----------
    .. [1] Fenske (1932).
    """
    x = np.asarray(product_purity, dtype=float)
    y = np.asarray(raffinate_purity, dtype=float)
    ratio = (x / (1.0 - x)) * (y / (1.0 - y))
    return np.log(ratio) / np.log(np.asarray(separation_factor, dtype=float))


def kremser_fraction_unextracted(extraction_factor, n_stages):
    """Fraction of a solute left in the raffinate of a counter-current cascade (Kremser).

    φ = (E − 1) / (E^(N+1) − 1), with E = D·(O/A); the limit E → 1 gives 1 / (N + 1).

    Parameters
    ----------
    extraction_factor : float or array_like
        E = D·(O/A) [-], positive.
    n_stages : float or array_like
        Number of ideal stages [-]; non-integer values (Murphree-corrected) are allowed.

    Returns
    -------
    numpy.ndarray or float
        φ [-], in (0, 1].

    References
    ----------
    .. [2] Kremser (1930).
    """
    e = np.asarray(extraction_factor, dtype=float)
    n = np.asarray(n_stages, dtype=float)
    near_one = np.abs(e - 1.0) < 1e-9
    e_safe = np.where(near_one, 2.0, e)
    with np.errstate(over="ignore"):
        phi = (e_safe - 1.0) / (np.power(e_safe, n + 1.0) - 1.0)
    return np.where(near_one, 1.0 / (n + 1.0), phi)


def cascade_split(extraction_factor, scrub_factor, n_extraction, n_scrub):
    """Fraction of a feed component reporting to the extract of a two-section cascade.

    Parameters
    ----------
    extraction_factor : float or array_like
        E = D·(O/A) of the component in the extraction section [-].
    scrub_factor : float or array_like
        E' = D·(O/A') of the component in the scrub section [-], where A' is the scrub flow.
    n_extraction, n_scrub : float or array_like
        Ideal stages in the extraction and scrub sections [-].

    Returns
    -------
    numpy.ndarray or float
        Fraction of the component's feed leaving in the loaded organic (extract) [-];
        the rest leaves in the raffinate.

    Notes
    -----
    Extraction section: a fraction φ_e stays in the raffinate. Scrub section: of what enters
    in the organic, the fraction ψ = φ(1/E', n_scrub) stays in the organic; the rest is
    scrubbed back to the feed stage and recirculates, so
    extract = (1 − φ_e)·ψ / (1 − (1 − φ_e)(1 − ψ)).
    """
    phi_e = kremser_fraction_unextracted(extraction_factor, n_extraction)
    psi = kremser_fraction_unextracted(1.0 / np.asarray(scrub_factor, dtype=float), n_scrub)
    to_organic = 1.0 - phi_e
    return to_organic * psi / (1.0 - to_organic * (1.0 - psi))


def product_purity(feed_nd_fraction, nd_to_extract, pr_to_extract):
    """Nd purity of the extract product, Nd/(Nd + Pr) on a rare-earth basis [-].

    Parameters
    ----------
    feed_nd_fraction : float or array_like
        Nd share of the NdPr feed [-].
    nd_to_extract, pr_to_extract : float or array_like
        Fractions of the Nd and Pr feed reporting to the extract [-].
    """
    nd = np.asarray(feed_nd_fraction, dtype=float) * nd_to_extract
    pr = (1.0 - np.asarray(feed_nd_fraction, dtype=float)) * pr_to_extract
    return nd / (nd + pr)
