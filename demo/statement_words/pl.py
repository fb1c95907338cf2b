"""The demo statement's sections in Polish: a faithful translation of en.py, sentence for sentence."""

TITLE = "Informacja o krótkich przerwach w opiece"

SECTIONS = {
    "introduction": (
        "Ta Informacja o krótkich przerwach w opiece wyjaśnia rodzinom w {area}, jakie krótkie przerwy są "
        "dostępne dla dzieci i młodych osób z niepełnosprawnościami do 25. roku życia, kto może z nich korzystać "
        "i jak je uzyskać.\n\n"
        "Przygotowali ją samorząd lokalny {area} City Council, który płaci za przerwy ogólnodostępne i "
        "ukierunkowane, oraz Children's Trust, który płaci za przerwy specjalistyczne po ocenie potrzeb. "
        "Wszystkie przerwy możesz znaleźć i zarezerwować w jednym miejscu: w katalogu Local Offer na tej stronie "
        "internetowej."),
    "carers_needs": (
        "Krótkie przerwy dają dzieciom z niepełnosprawnościami miło spędzony czas z dala od rodziców-opiekunów, "
        "a rodzicom-opiekunom dają czas dla siebie. Ofertę planujemy z myślą o dwóch grupach opiekunów:\n\n"
        "- opiekunach, którzy nie mogliby dalej opiekować się dzieckiem, gdyby nie mieli przerwy\n"
        "- opiekunach, którzy mogliby lepiej opiekować się dzieckiem, gdyby mieli czas na pracę, naukę, "
        "odpoczynek, zajęcie się pozostałymi dziećmi lub prowadzenie domu\n\n"
        "Dlatego są przerwy w ciągu dnia, wieczorami, w weekendy i w czasie ferii i wakacji szkolnych, w domu "
        "dziecka i poza nim, a dla dzieci, które tego potrzebują, także pobyty z noclegiem. Bierzemy pod uwagę, "
        "gdzie mieszkają rodziny, i tworzymy więcej miejsc tam, gdzie potrzebuje ich więcej dzieci."),
    "eligibility_universal": (
        "Przerwy ogólnodostępne są dla każdego dziecka i każdej młodej osoby z niepełnosprawnością oraz ich "
        "rodzin. Nie potrzebujesz diagnozy, oceny potrzeb ani skierowania. Rezerwujesz je samodzielnie w "
        "katalogu Local Offer."),
    "eligibility_targeted": (
        "Przerwy ukierunkowane są dla dzieci z dodatkowymi potrzebami, które spełniają co najmniej jeden z tych "
        "warunków:\n\n"
        "- mają plan edukacji, zdrowia i opieki (EHC)\n"
        "- mają diagnozę niepełnosprawności lub choroby przewlekłej\n"
        "- otrzymują świadczenia z tytułu niepełnosprawności, np. Disability Living Allowance\n\n"
        "Nie potrzebujesz oceny potrzeb przeprowadzonej przez służby opieki społecznej. Te warunki są wskazówką, "
        "a nie regułą, która kogokolwiek wyklucza: jeśli Twoje dziecko ich nie spełnia, ale uważasz, że przerwa "
        "ukierunkowana by mu pomogła, zwróć się do nas, a przyjrzymy się sytuacji Twojej rodziny."),
    "eligibility_specialist": (
        "Przerwy specjalistyczne, w tym pobyty z noclegiem, są dla dzieci, których potrzeby ocenił pracownik "
        "socjalny na podstawie art. 17 (section 17) ustawy Children Act 1989. Każda rodzina może w dowolnym "
        "momencie poprosić o ocenę potrzeb w katalogu Local Offer albo dzwoniąc do Children's Trust pod numer "
        "{trust_phone}.\n\n"
        "Jeśli ocena potrzeb wykaże, że Twoje dziecko potrzebuje przerwy specjalistycznej, komisja ds. środków "
        "ustala budżet osobisty. Jeśli zdecydujemy, że nie zapewnimy przerwy albo że ją ograniczymy, "
        "poinformujemy Cię o tym na piśmie, podając nasze uzasadnienie i wyjaśniając, jak poprosić nas o ponowne "
        "rozpatrzenie sprawy. Osoba podejmująca decyzję może zrobić wyjątek od każdego kryterium, podając "
        "uzasadnienie."),
    "how_to_get": (
        "Przerwy ogólnodostępne i ukierunkowane: znajdź przerwę w katalogu Local Offer, sprawdź, czy odpowiada "
        "Twojemu dziecku, i zarezerwuj miejsce. Jeśli sesja jest pełna, zapisz się na listę oczekujących, a gdy "
        "zwolni się miejsce, wyślemy Ci e-mail.\n\n"
        "Przerwy specjalistyczne: poproś o ocenę potrzeb na stronie danej przerwy w katalogu Local Offer. Gdy "
        "budżet osobisty zostanie ustalony, możesz z niego płacić za rezerwowane przerwy specjalistyczne albo "
        "otrzymać go jako płatność bezpośrednią."),
    "budgets": (
        "Budżet osobisty to kwota pieniędzy przeznaczona dla Twojego dziecka na rok, ustalona po ocenie potrzeb. "
        "Children's Trust może zarządzać nim w Twoim imieniu i płacić organizatorom, gdy rezerwujesz, albo "
        "wypłacać go Tobie jako płatność bezpośrednią, tak aby wybór przerw i płacenie za nie należały do "
        "Ciebie.\n\n"
        "Sprawdzamy, jak wykorzystywane są płatności bezpośrednie, trzy miesiące po ich rozpoczęciu, a potem co "
        "roku. Możemy poprosić o zwrot pieniędzy, które nie zostały wydane na przerwy Twojego dziecka. Jeśli "
        "planujemy zmniejszyć lub zakończyć budżet, najpierw napiszemy do Ciebie, podając nasze uzasadnienie i "
        "datę, od której zmiana obowiązuje."),
    "consultation": (
        "Tę Informację przygotowaliśmy razem z forum rodziców-opiekunów i rodzinami, które korzystają z krótkich "
        "przerw.\n\n"
        "- Mówiliście, że trudno znaleźć przerwy w jednym miejscu. Umieściliśmy każdą przerwę, niezależnie od "
        "tego, kto za nią płaci, w katalogu Local Offer.\n"
        "- Mówiliście, że najdłużej czekały rodziny ze wschodniej części miasta. Dodaliśmy tam sesje w soboty i "
        "w czasie ferii i wakacji.\n"
        "- Mówiliście, że kryteria kwalifikacji stosowano jak bezwzględne zakazy. Uczyniliśmy kryteria wskazówką "
        "i wyjaśniliśmy, jak poprosić o ocenę potrzeb lub o wyjątek."),
    "comments": (
        "W każdej chwili możesz nam powiedzieć, co myślisz o krótkich przerwach lub o tej Informacji: skorzystaj "
        "ze strony konsultacji, gdy pojawi się nowa wersja robocza, napisz na adres shortbreaks@example.org albo "
        "poproś swoje forum rodziców-opiekunów, aby przekazało to w Twoim imieniu.\n\n"
        "Aby złożyć skargę na przerwę lub decyzję, skorzystaj z procedury skargowej samorządu lokalnego lub "
        "Children's Trust. Możesz też poprosić rzecznika Local Government and Social Care Ombudsman o zbadanie "
        "skargi, jeśli nie naprawiliśmy tego, czego dotyczyła."),
    "copies": (
        "Ta Informacja jest w serwisie internetowym jako strona oraz plik PDF w językach: angielskim, urdu, "
        "pendżabskim, bengalskim, arabskim i polskim. Poproś nas o wersję dużym drukiem, łatwą do czytania, "
        "audio lub w innym języku, pisząc na adres shortbreaks@example.org, a prześlemy ją w ciągu dziesięciu "
        "dni roboczych. Wydrukowane egzemplarze są dostępne w każdej bibliotece i każdym centrum wsparcia "
        "rodziny (family hub)."),
}
